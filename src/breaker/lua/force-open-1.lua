--[[
  force-open: an operator holds the circuit open until force-close/reset (no probes meanwhile).
  Idempotent when already forced open. Mirrors applyForceOpen of src/breaker/state.ts.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  (no operation-specific arguments)
  Returns the snapshot array of includes/snapshot.lua; its [12] is ''.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

local transitioned = apply_force_open(d)
if transitioned then save_state(d) end
return finish(d, transitioned, '')
