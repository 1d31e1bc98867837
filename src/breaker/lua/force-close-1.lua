--[[
  force-close: an operator closes the circuit and clears its counters. Mirrors applyForceClose of
  src/breaker/state.ts (when already CLOSED it only clears the failure count and the window).

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  (no operation-specific arguments)
  Returns the snapshot array of includes/snapshot.lua; its [12] is ''.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

local transitioned = apply_force_close(d)
save_state(d)
return finish(d, transitioned, '')
