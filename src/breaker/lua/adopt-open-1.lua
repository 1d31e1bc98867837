--[[
  adopt-open: an instance that ran on its local state while Redis was unreachable, and opened the
  circuit there, offers that open circuit to the fleet when Redis answers again (while it is still in
  its open period). Mirrors applyAdoptOpen of src/breaker/adopt-open.ts: the later event wins. The
  store keeps its state when it is forced open, opened at or after the offered openedAt, or made its
  last transition (version) at or after it; otherwise it becomes OPEN with the offered openedAt.

  KEYS[1]  <prefix>:{<name>}          the state hash (probe leases included: see includes/args.lua)
  ARGV[1..11]  name, channel, key TTL ms and the rule config (see includes/args.lua)
  ARGV[12] how long ago (ms, the instance's clock) the instance opened the circuit; the offered
           openedAt is the Redis clock minus this age
  Returns the snapshot array of includes/snapshot.lua; its [12] is '1' when the offer was adopted,
  '0' when the store kept its own state.
  Corrupt keys, time and publishing: as every script (see includes/breaker.lua).
]]
--- @include "breaker"

local d, problem, salvaged = load_state()
if not d then return repair(problem, salvaged) end

local age = tonumber(ARGV[12])
if age == nil or age < 0 then error('invalid ARGV[12] (age of the local opening): ' .. tostring(ARGV[12])) end
local opened_at = NOW - math.floor(age)

local function apply_adopt_open()
  if d.forced == 1 or d.openedAt >= opened_at or d.version >= opened_at then return false end
  d.state = 'open'
  d.openedAt = opened_at
  d.successes = 0
  d.leases = {}
  d.window = {}
  bump(d)
  return true
end

local adopted = apply_adopt_open()
if adopted then save_state(d) end
return finish(d, adopted, adopted and '1' or '0')
