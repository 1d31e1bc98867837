--[[
  release-probe: a probe reports and frees its slot. Only a lease still held counts (an expired
  probe was replaced). success may close, failure re-opens (new openedAt), neutral only frees the
  slot. Mirrors applyRelease of src/breaker/state.ts.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  ARGV[12] lease id given to acquire-probe
  ARGV[13] outcome: 'success', 'failure' or 'neutral'
  Returns the snapshot array of includes/snapshot.lua; its [12] is ''.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

local outcome = ARGV[13]
if outcome ~= 'success' and outcome ~= 'failure' and outcome ~= 'neutral' then
  return redis.error_reply('ERR invalid probe outcome ' .. tostring(outcome))
end
local transitioned, changed = apply_release(d, ARGV[12], outcome)
if changed then save_state(d) end
return finish(d, transitioned, '')
