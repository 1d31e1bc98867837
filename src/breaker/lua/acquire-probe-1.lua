--[[
  acquire-probe: asks for a probe slot; moves OPEN -> HALF_OPEN once resetTimeoutMs has elapsed
  (never while forced open). At most halfOpenMaxProbes live leases, fleet-wide. Mirrors applyAcquire.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  ARGV[12] lease id (unique per probe); its lease expires after probeLeaseMs
  Returns the snapshot array of includes/snapshot.lua; its [12] is the outcome: 'granted', 'denied' or 'closed'.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

local outcome, transitioned = apply_acquire(d, ARGV[12])
if outcome == 'granted' then save_state(d) end
return finish(d, transitioned, outcome)
