--[[
  record-failure: a counted failure of a call admitted while CLOSED, with the reporter's pending
  successes (applied first). Mirrors applyFailure of src/breaker/state.ts; ignored unless CLOSED.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  ARGV[12] pending successes of the reporter
  ARGV[13] '1' when those successes reset the consecutive-failure count first, '0' otherwise
  ARGV[14] failure-rate mode: the store's success lag in ms (2 x writeBehindMs); the trip decision
           leaves out failures younger than it (hash fields y<slot>). '0' or absent: none
  Returns the snapshot array of includes/snapshot.lua; its [12] is ''.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

if d.state ~= 'closed' then return finish(d, false, '') end
local opened = apply_failure(d, tonumber(ARGV[12]), ARGV[13] == '1', tonumber(ARGV[14] or '0') or 0)
save_state(d)
return finish(d, opened, '')
