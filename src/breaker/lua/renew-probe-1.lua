--[[
  renew-probe: a probe that is still running extends its lease to probeLeaseMs from now, so a long
  probe (a stream) keeps its slot for as long as it runs; only a probe whose process died loses it.
  Only a live lease of the current HALF_OPEN episode is extended. Mirrors applyRenew of
  src/breaker/state.ts.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  ARGV[12] lease id given to acquire-probe
  Returns the snapshot array of includes/snapshot.lua; its [12] is 'renewed' or 'lost'.
  Corrupt keys and time: as every script (see includes/breaker.lua). Never transitions, never publishes.
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

local renewed = apply_renew(d, ARGV[12])
if renewed then save_state(d) end
return finish(d, false, renewed and 'renewed' or 'lost')
