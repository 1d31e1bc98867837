--[[
  Loading, validating, saving and repairing a breaker's state (a Lua table mirroring BreakerData of
  src/breaker/state.ts; leases stay in the probes zset and are read and written in place).
  Requires: args, clock, rules.
]]
local STATES = { closed = true, open = true, half_open = true }

local function fresh_state()
  return {
    state = 'closed', forced = 0, failures = 0, successes = 0, openedAt = 0, version = 0,
    window = {},  -- bucket index -> { calls, failures }
    wfields = {}, -- window fields present in the hash when loaded (to delete the stale ones on save)
    young = {},   -- failure-rate: lag slot -> failures younger than the success lag (rules.lua add_young)
  }
end

-- A non-negative integer field, or nil.
local function parse_count(v)
  if type(v) ~= 'string' or #v > 16 or not string.match(v, '^%d+$') then
    return nil
  end
  return tonumber(v)
end

local function shown(v)
  v = tostring(v)
  if #v > 40 then v = string.sub(v, 1, 40) .. '...' end
  return string.format('%q', v)
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
      local n = parse_count(v)
      if n then d[f] = n else bad = true end
      if n and f == 'version' then salvaged = n end
    elseif string.match(f, '^y%d+$') then
      local n = parse_count(v)
      if n then d.young[tonumber(string.sub(f, 2))] = n; d.wfields[f] = true else bad = true end
    else
      local idx, kind = string.match(f, '^w(%d+)([cf])$')
      if idx then
        local n = parse_count(v)
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

-- Writes the whole state (deleting window buckets that left the window) and refreshes both TTLs.
local function save_state(d)
  window_totals(d) -- prunes old buckets
  local args = {
    'state', d.state, 'forced', int(d.forced), 'failures', int(d.failures),
    'successes', int(d.successes), 'openedAt', int(d.openedAt), 'version', int(d.version),
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
  for slot, n in pairs(d.young) do
    local fy = 'y' .. int(slot)
    keep[fy] = true
    args[#args + 1] = fy
    args[#args + 1] = int(n)
  end
  local stale = {}
  for f in pairs(d.wfields) do
    if not keep[f] then stale[#stale + 1] = f end
  end
  if #stale > 0 then redis.call('HDEL', HKEY, unpack(stale)) end
  redis.call('HSET', HKEY, unpack(args))
  redis.call('PEXPIRE', HKEY, TTL_MS)
  redis.call('PEXPIRE', PKEY, TTL_MS)
end
