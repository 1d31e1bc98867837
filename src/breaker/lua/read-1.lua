--[[
  read: the current snapshot, without changing anything (expired leases and old window buckets
  are left out of the counts, not deleted). A missing key reads as a fresh CLOSED state, version 0.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  (no operation-specific arguments)
  Returns the snapshot array of includes/snapshot.lua; its [12] is ''.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

return finish(d, false, '')
