--[[
  The transition rules of src/breaker/state.ts, one Lua function per exported TS function, with the
  same names in snake_case. Keep both files in step: test/redis/redis-store.differential.test.ts
  runs random operation sequences through both and compares every reply.
  Requires: args, clock.
]]
local WINDOW_BUCKETS = 10

-- Forgets the leases whose expiry is <= now (saved with the next write).
local function prune_leases(d)
  for id, expiry in pairs(d.leases) do
    if expiry <= NOW then d.leases[id] = nil end
  end
end

-- The live leases (expiry after now): their number and the soonest expiry (nil when none).
local function live_leases(d)
  local n, soonest = 0, nil
  for _, expiry in pairs(d.leases) do
    if expiry > NOW then
      n = n + 1
      if soonest == nil or expiry < soonest then soonest = expiry end
    end
  end
  return n, soonest
end

local function bucket_size()
  return math.max(1, math.ceil((FR and FR.windowMs or 1) / WINDOW_BUCKETS))
end

-- Calls and failures in the window; drops buckets that left it (saved on the next write).
local function window_totals(d)
  if not FR then return 0, 0 end
  local current = math.floor(NOW / bucket_size())
  local calls, failures = 0, 0
  for idx, b in pairs(d.window) do
    if idx <= current - WINDOW_BUCKETS then
      d.window[idx] = nil
    else
      calls = calls + b[1]
      failures = failures + b[2]
    end
  end
  return calls, failures
end

-- addYoung: records a failure as young (slot floor(NOW / lag)); forgets matured slots (two back).
-- Returns the young failures, this one included.
local function add_young(d, lag)
  local slot = math.floor(NOW / lag)
  local young = 0
  for s, n in pairs(d.young) do
    if s <= slot - 2 then
      d.young[s] = nil
    else
      young = young + n
    end
  end
  d.young[slot] = (d.young[slot] or 0) + 1
  return young + 1
end

local function add_to_window(d, calls, failures)
  local idx = math.floor(NOW / bucket_size())
  local b = d.window[idx]
  if b then
    b[1] = b[1] + calls
    b[2] = b[2] + failures
  else
    d.window[idx] = { calls, failures }
  end
end

-- Versions order snapshots; at least the Redis clock, so they keep increasing across key expiry.
local function bump(d)
  d.version = math.max(d.version + 1, NOW)
end

local function open_circuit(d)
  d.state = 'open'
  d.forced = 0
  d.openedAt = NOW
  d.successes = 0
  d.leases = {}
  d.window = {}
  d.young = {}
  bump(d)
end

local function close_circuit(d)
  d.state = 'closed'
  d.forced = 0
  d.failures = 0
  d.successes = 0
  d.leases = {}
  d.window = {}
  d.young = {}
  bump(d)
end

-- applySuccesses. Returns whether the data changed (it never transitions).
local function apply_successes(d, count, reset_failures)
  if d.state ~= 'closed' then return false end
  local changed = false
  if reset_failures and d.failures ~= 0 then
    d.failures = 0
    changed = true
  end
  if FR and count > 0 then
    add_to_window(d, count, 0)
    changed = true
  end
  return changed
end

-- applyFailure. Returns whether it opened. Only call while CLOSED (the caller saves).
-- lag: the store's success lag in ms; the trip decision leaves out failures younger than it.
local function apply_failure(d, pending_successes, reset_first, lag)
  apply_successes(d, pending_successes, reset_first)
  d.failures = d.failures + 1
  if FR then
    add_to_window(d, 1, 1)
    local young = 0
    if lag > 0 then young = add_young(d, lag) end
    local window_calls, window_failures = window_totals(d)
    local left = math.min(young, window_failures)
    local calls, failures = window_calls - left, window_failures - left
    if calls > 0 and calls >= FR.minimumCalls and failures / calls >= FR.threshold then
      open_circuit(d)
      return true
    end
    return false
  end
  if d.failures >= CFG.failureThreshold then
    open_circuit(d)
    return true
  end
  return false
end

-- applyAcquire. Returns the outcome ('granted' | 'denied' | 'closed') and whether it transitioned.
local function apply_acquire(d, lease_id)
  if d.state == 'closed' then return 'closed', false end
  prune_leases(d)
  if d.state == 'open' then
    if d.forced == 1 or NOW < d.openedAt + CFG.resetTimeoutMs then return 'denied', false end
    d.state = 'half_open'
    d.successes = 0
    d.leases = {}
    bump(d)
    d.leases[lease_id] = NOW + CFG.probeLeaseMs
    return 'granted', true
  end
  if live_leases(d) < CFG.halfOpenMaxProbes then
    d.leases[lease_id] = NOW + CFG.probeLeaseMs
    return 'granted', false
  end
  return 'denied', false
end

-- applyRelease. Returns whether it transitioned and whether anything changed.
local function apply_release(d, lease_id, outcome)
  if d.state ~= 'half_open' then return false, false end
  prune_leases(d)
  if d.leases[lease_id] == nil then return false, false end
  d.leases[lease_id] = nil
  if outcome == 'failure' then
    open_circuit(d)
    return true, true
  end
  if outcome == 'success' then
    d.successes = d.successes + 1
    if d.successes >= CFG.successThreshold then
      close_circuit(d)
      return true, true
    end
  end
  return false, true
end

-- applyRenew. Returns whether the lease was held (it now expires probeLeaseMs from now).
-- The caller saves.
local function apply_renew(d, lease_id)
  if d.state ~= 'half_open' then return false end
  prune_leases(d)
  if d.leases[lease_id] == nil then return false end
  d.leases[lease_id] = NOW + CFG.probeLeaseMs
  return true
end

-- applyForceOpen. Returns whether the state or the forced flag changed.
local function apply_force_open(d)
  if d.state == 'open' and d.forced == 1 then return false end
  open_circuit(d)
  d.forced = 1
  return true
end

-- applyForceClose. Returns whether the state changed.
local function apply_force_close(d)
  if d.state ~= 'closed' then
    close_circuit(d)
    return true
  end
  d.failures = 0
  d.window = {}
  d.young = {}
  return false
end

-- applyReset: a fresh CLOSED state (openedAt 0) whose version still increases.
local function apply_reset(d)
  local changed = d.state ~= 'closed'
  close_circuit(d)
  d.openedAt = 0
  return changed
end
