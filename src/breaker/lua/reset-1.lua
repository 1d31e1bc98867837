--[[
  reset: forgets everything: a fresh CLOSED state with openedAt 0, no probes, no window. The key is
  rewritten, never deleted, so the version keeps increasing. Mirrors applyReset of src/breaker/state.ts.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  (no operation-specific arguments)
  Returns the snapshot array of includes/snapshot.lua; its [12] is ''.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

local transitioned = apply_reset(d)
save_state(d)
return finish(d, transitioned, '')
