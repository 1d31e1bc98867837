--[[
  Loading, validating, saving and repairing a breaker's state (a Lua table mirroring BreakerData of
  src/breaker/state.ts), all in the one hash: the probe leases are its p:<lease id> fields.
  Requires: args, clock, rules.
]]
local STATES = { closed = true, open = true, half_open = true }

--[[
  Sane ranges. Lua numbers are doubles: integers above 2^53 are not exact (9999999999999999 reads
  as 1e16, and 1e16 + 1 == 1e16), so a version there could never increase again and would freeze
  every mirror. A value outside its range is corruption, repaired like any other.
]]
local MAX_COUNT = 4503599627370496    -- 2^52: counts and versions stay exact, with room to grow
local MAX_VERSION = MAX_COUNT
-- How far ahead of the Redis clock a time may be (a server clock set back, a fleet of clocks): an
-- openedAt or a probe lease beyond that would hold the circuit open or its slots busy for ever.
local MAX_AHEAD_MS = 86400000          -- one day

local function fresh_state()
  return {
    state = 'closed', forced = 0, failures = 0, successes = 0, openedAt = 0, version = 0,
    window = {},  -- bucket index -> { calls, failures }
    wfields = {}, -- window fields present in the hash when loaded (to delete the stale ones on save)
    leases = {},  -- probe lease id -> expiry (ms, Redis clock), the hash's p:<id> fields
    lfields = {}, -- lease fields present in the hash when loaded
    young = {},   -- failure-rate: lag slot -> failures younger than the success lag (rules.lua add_young)
  }
end

local function shown(v)
  v = tostring(v)
  if #v > 40 then v = string.sub(v, 1, 40) .. '...' end
  return string.format('%q', v)
end

-- A non-negative integer field of at most `max`, or nil.
local function parse_count(v, max)
  if type(v) ~= 'string' or #v > 16 or not string.match(v, '^%d+$') then
    return nil
  end
  local n = tonumber(v)
  if n > max then return nil end
  return n
end

-- The upper bound of each integer field of the hash.
local function field_max(f)
  if f == 'openedAt' then return NOW + MAX_AHEAD_MS end
  if f == 'version' then return MAX_VERSION end
  return MAX_COUNT
end

-- The latest expiry a probe lease may have: later is corruption (it would hold its slot for ever).
local function max_lease_expiry()
  return NOW + math.max(CFG.probeLeaseMs, MAX_AHEAD_MS)
end

--[[
  Loads the state. Returns the state table, or nil, the reason it is corrupt and the version that
  could still be read (nil when none could), so that a repair keeps versions increasing.
  A missing hash is a fresh CLOSED state with version 0. Unknown fields are ignored (forward
  compatible); a known field with an invalid or out-of-range value, a missing state field, or a key
  of the wrong type is corruption.
]]
local function load_state()
  local d = fresh_state()
  local htype = redis.call('TYPE', HKEY)['ok']
  if htype == 'none' then return d end
  if htype ~= 'hash' then
    return nil, 'key ' .. HKEY .. ' holds a ' .. htype .. ', not a hash', nil
  end
  local problem = nil
  local raw = redis.call('HGETALL', HKEY)
  local seen_state = false
  local salvaged = nil
  for i = 1, #raw, 2 do
    local f, v = raw[i], raw[i + 1]
    local bad = false
    if f == 'state' then
      if STATES[v] then d.state = v; seen_state = true else bad = true end
    elseif f == 'forced' then
      if v == '0' or v == '1' then d.forced = tonumber(v) else bad = true end
    elseif f == 'failures' or f == 'successes' or f == 'openedAt' or f == 'version' then
      local n = parse_count(v, field_max(f))
      if n then d[f] = n else bad = true end
      if n and f == 'version' then salvaged = n end
    elseif string.sub(f, 1, 2) == 'p:' then
      local n = parse_count(v, max_lease_expiry())
      if n then d.leases[string.sub(f, 3)] = n else bad = true end
      d.lfields[f] = true
    elseif string.match(f, '^y%d+$') then
      local n = parse_count(v, MAX_COUNT)
      if n then d.young[tonumber(string.sub(f, 2))] = n else bad = true end
      d.wfields[f] = true
    else
      local idx, kind = string.match(f, '^w(%d+)([cf])$')
      if idx then
        local n = parse_count(v, MAX_COUNT)
        if n then
          idx = tonumber(idx)
          local b = d.window[idx]
          if not b then b = { 0, 0 }; d.window[idx] = b end
          if kind == 'c' then b[1] = n else b[2] = n end
          d.wfields[f] = true
        else
          bad = true
        end
      end
    end
    if bad and not problem then
      problem = 'field ' .. f .. ' of ' .. HKEY .. ' holds ' .. shown(v)
    end
  end
  if not seen_state and not problem then
    problem = 'field state of ' .. HKEY .. ' is missing'
  end
  if problem then return nil, problem, salvaged end
  return d
end

--[[
  Writes the whole state (deleting window buckets that left the window and leases that ended) and
  refreshes the TTL. The fields are written before the stale ones are deleted, so the hash never
  disappears in between. A circuit an operator forced open never expires: the hold lasts until
  force-close or reset (which write an expiring state again), however long no call writes it. The
  options of the breaker that wrote are stored with it (resetTimeoutMs, failureThreshold,
  successThreshold, halfOpenMaxProbes), for operators (the CLI shows the real next-probe time); the
  scripts never read them back. Returns the set of fields written.
]]
local function save_state(d)
  window_totals(d) -- prunes old buckets
  local args = {
    'state', d.state, 'forced', int(d.forced), 'failures', int(d.failures),
    'successes', int(d.successes), 'openedAt', int(d.openedAt), 'version', int(d.version),
    'resetTimeoutMs', int(CFG.resetTimeoutMs), 'failureThreshold', int(CFG.failureThreshold),
    'successThreshold', int(CFG.successThreshold), 'halfOpenMaxProbes', int(CFG.halfOpenMaxProbes),
  }
  local written = {}
  for i = 1, #args, 2 do written[args[i]] = true end
  local function put(f, v)
    written[f] = true
    args[#args + 1] = f
    args[#args + 1] = v
  end
  for idx, b in pairs(d.window) do
    put('w' .. int(idx) .. 'c', int(b[1]))
    put('w' .. int(idx) .. 'f', int(b[2]))
  end
  for slot, n in pairs(d.young) do
    put('y' .. int(slot), int(n))
  end
  for id, expiry in pairs(d.leases) do
    if expiry > NOW then put('p:' .. id, int(expiry)) end
  end
  redis.call('HSET', HKEY, unpack(args))
  local stale = {}
  for f in pairs(d.wfields) do
    if not written[f] then stale[#stale + 1] = f end
  end
  for f in pairs(d.lfields) do
    if not written[f] then stale[#stale + 1] = f end
  end
  if #stale > 0 then redis.call('HDEL', HKEY, unpack(stale)) end
  if d.forced == 1 then
    redis.call('PERSIST', HKEY)
  else
    redis.call('PEXPIRE', HKEY, TTL_MS)
  end
  return written
end
