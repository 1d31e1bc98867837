--[[
  Loading, validating, saving and repairing a breaker's state (a Lua table mirroring BreakerData of
  src/breaker/state.ts; leases stay in the probes zset and are read and written in place).
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

-- A problem with the probe leases (a lease that never expires), or nil.
local function lease_problem()
  local last = redis.call('ZRANGE', PKEY, -1, -1, 'WITHSCORES')
  if #last == 0 then return nil end
  local expiry = tonumber(last[2])
  if expiry == nil or expiry ~= expiry or expiry > NOW + math.max(CFG.probeLeaseMs, MAX_AHEAD_MS) then
    return 'a probe lease of ' .. PKEY .. ' expires at ' .. shown(last[2])
  end
  return nil
end

--[[
  Loads the state. Returns the state table, or nil, the reason it is corrupt and the version that
  could still be read (nil when none could), so that a repair keeps versions increasing.
  A missing hash is a fresh CLOSED state with version 0. Unknown fields are ignored (forward
  compatible); a known field with an invalid value, a missing state field, or a key of the wrong
  type is corruption.
]]
local function load_state()
  local d = fresh_state()
  local htype = redis.call('TYPE', HKEY)['ok']
  local ptype = redis.call('TYPE', PKEY)['ok']
  if htype ~= 'hash' and htype ~= 'none' then
    return nil, 'key ' .. HKEY .. ' holds a ' .. htype .. ', not a hash', nil
  end
  local problem = nil
  if ptype ~= 'zset' and ptype ~= 'none' then
    problem = 'key ' .. PKEY .. ' holds a ' .. ptype .. ', not a zset'
  elseif ptype == 'zset' then
    problem = lease_problem()
  end
  if htype == 'none' then
    if problem then return nil, problem, 0 end -- no hash: no version was ever written (or it expired)
    return d
  end
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
  Writes the whole state (deleting window buckets that left the window) and refreshes both TTLs.
  A circuit an operator forced open never expires: the hold lasts until force-close or reset (which
  write an expiring state again), however long no call writes it. The options of the breaker that
  wrote are stored with it (resetTimeoutMs, failureThreshold, successThreshold, halfOpenMaxProbes),
  for operators (the CLI shows the real next-probe time); the scripts never read them back.
]]
local function save_state(d)
  window_totals(d) -- prunes old buckets
  local args = {
    'state', d.state, 'forced', int(d.forced), 'failures', int(d.failures),
    'successes', int(d.successes), 'openedAt', int(d.openedAt), 'version', int(d.version),
    'resetTimeoutMs', int(CFG.resetTimeoutMs), 'failureThreshold', int(CFG.failureThreshold),
    'successThreshold', int(CFG.successThreshold), 'halfOpenMaxProbes', int(CFG.halfOpenMaxProbes),
  }
  local keep = {}
  for idx, b in pairs(d.window) do
    local fc, ff = 'w' .. int(idx) .. 'c', 'w' .. int(idx) .. 'f'
    keep[fc] = true
    keep[ff] = true
    args[#args + 1] = fc
    args[#args + 1] = int(b[1])
    args[#args + 1] = ff
    args[#args + 1] = int(b[2])
  end
  local stale = {}
  for f in pairs(d.wfields) do
    if not keep[f] then stale[#stale + 1] = f end
  end
  if #stale > 0 then redis.call('HDEL', HKEY, unpack(stale)) end
  redis.call('HSET', HKEY, unpack(args))
  if d.forced == 1 then
    redis.call('PERSIST', HKEY)
    redis.call('PERSIST', PKEY)
  else
    redis.call('PEXPIRE', HKEY, TTL_MS)
    redis.call('PEXPIRE', PKEY, TTL_MS)
  end
end
