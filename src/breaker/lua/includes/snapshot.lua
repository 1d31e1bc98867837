--[[
  Snapshots (the Snapshot of src/breaker/state.ts), the reply every script returns, the message
  published on transitions, and the repair of corrupt keys.
  Requires: args, clock, state, rules.

  Reply (an array): [1] state, [2] forced 0/1, [3] failures, [4] successes, [5] openedAt,
  [6] retryAfterMs as a string ("-1" = infinite: forced open), [7] probesInFlight, [8] version,
  [9] windowCalls, [10] windowFailures, [11] transitioned 0/1, [12] operation result ('' if none).

  Message (JSON, only on transitions): {"v":1,"name":...,"state":...,"forced":0|1,"failures":n,
  "successes":n,"openedAt":n,"retryAfterMs":n (-1 = infinite),"probesInFlight":n,"version":n,
  "windowCalls":n,"windowFailures":n}
]]
local function snapshot_of(d, transitioned)
  local probes, soonest = live_leases(d)
  local retry = 0
  if d.state == 'open' then
    if d.forced == 1 then
      retry = -1
    else
      retry = math.max(0, d.openedAt + CFG.resetTimeoutMs - NOW)
    end
  elseif d.state == 'half_open' and probes >= CFG.halfOpenMaxProbes then
    retry = math.max(0, soonest - NOW)
  end
  local wc, wf = window_totals(d)
  return {
    state = d.state, forced = d.forced, failures = d.failures, successes = d.successes,
    openedAt = d.openedAt, retryAfterMs = retry, probesInFlight = probes, version = d.version,
    windowCalls = wc, windowFailures = wf, transitioned = transitioned and 1 or 0,
  }
end

local function publish(s)
  redis.call('PUBLISH', CHANNEL, string.format(
    '{"v":1,"name":%s,"state":"%s","forced":%d,"failures":%d,"successes":%d,"openedAt":%d,' ..
    '"retryAfterMs":%.17g,"probesInFlight":%d,"version":%d,"windowCalls":%d,"windowFailures":%d}',
    cjson.encode(NAME), s.state, s.forced, s.failures, s.successes, s.openedAt,
    s.retryAfterMs, s.probesInFlight, s.version, s.windowCalls, s.windowFailures))
end

-- Builds the reply, publishing the snapshot first when the operation transitioned.
local function finish(d, transitioned, result)
  local s = snapshot_of(d, transitioned)
  if transitioned then publish(s) end
  return {
    s.state, s.forced, s.failures, s.successes, s.openedAt, string.format('%.17g', s.retryAfterMs),
    s.probesInFlight, s.version, s.windowCalls, s.windowFailures, s.transitioned, result or '',
  }
end

--[[
  Corrupt keys: rewrite a fresh CLOSED state, publish it so every instance converges, and return an
  error reply the store turns into a StoreError. Writes made before an error reply are kept (no
  rollback). The new version is above the old one when it could be read (bump), and otherwise
  VERSION_MARGIN_MS ahead of the Redis clock: versions may run ahead of the clock by one per
  transition within a millisecond, never by a second's worth. A hash is rewritten in place (fresh
  fields first, then the others deleted), never deleted and re-created: during a Cluster slot
  migration a script cannot write a key that is missing on the node it runs on.
]]
local VERSION_MARGIN_MS = 1000

local function repair(problem, salvaged_version)
  if redis.call('TYPE', HKEY)['ok'] ~= 'hash' then redis.call('DEL', HKEY) end
  local d = fresh_state()
  if salvaged_version then
    d.version = salvaged_version
    bump(d)
  else
    d.version = NOW + VERSION_MARGIN_MS
  end
  local written = save_state(d)
  local others = {}
  for _, f in ipairs(redis.call('HKEYS', HKEY)) do
    if not written[f] then others[#others + 1] = f end
    if #others == 1000 then
      redis.call('HDEL', HKEY, unpack(others))
      others = {}
    end
  end
  if #others > 0 then redis.call('HDEL', HKEY, unpack(others)) end
  publish(snapshot_of(d, true))
  return redis.error_reply('BREAKER_CORRUPT ' .. problem .. '; repaired to a fresh closed state (version ' .. int(d.version) .. ')')
end
