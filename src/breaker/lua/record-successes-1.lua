--[[
  record-successes: successes of calls admitted while CLOSED (batched by the breaker's
  write-behind). Mirrors applySuccesses of src/breaker/state.ts; never transitions.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  ARGV[12] count of successes (adds to the failure-rate window)
  ARGV[13] '1' to reset the consecutive-failure count, '0' not to
  Returns the snapshot array of includes/snapshot.lua; its [12] is ''.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

if apply_successes(d, tonumber(ARGV[12]), ARGV[13] == '1') then save_state(d) end
return finish(d, false, '')
