--[[
  Common KEYS and ARGV of every breaker script. The rule config travels with every call, so every
  instance applies its own options (the hash keeps a copy of the last writer's, for operators).

  KEYS[1]  <prefix>:{<name>}          hash: state, forced, failures, successes, openedAt, version,
                                       the failure-rate window as w<bucket>c / w<bucket>f, the probe
                                       leases as p:<lease id> -> expiry (ms, Redis clock), and the
                                       writer's resetTimeoutMs, failureThreshold, successThreshold,
                                       halfOpenMaxProbes

  One key per breaker, and the scripts touch no other: while a Redis Cluster slot migrates, a script
  naming keys some of which are missing answers TRYAGAIN (on every node, for the whole migration),
  and a script touching a missing key on the migrating node fails. With one key, the node that holds
  it runs the script, and otherwise ASK sends it to the node importing the slot.

  ARGV[1]  breaker name (for the published message)
  ARGV[2]  pub/sub channel the transitions are published on
  ARGV[3]  key TTL in ms, refreshed on every write
  ARGV[4]  failureThreshold
  ARGV[5]  resetTimeoutMs
  ARGV[6]  successThreshold
  ARGV[7]  halfOpenMaxProbes
  ARGV[8]  probeLeaseMs
  ARGV[9]  failureRate threshold, a ratio in (0, 1]; 0 = off (consecutive-failure rule)
  ARGV[10] failureRate windowMs
  ARGV[11] failureRate minimumCalls
  Operation-specific arguments start at ARGV[12].
]]
local HKEY = KEYS[1]
local NAME = ARGV[1]
local CHANNEL = ARGV[2]

local function num_arg(i, what)
  local n = tonumber(ARGV[i])
  if n == nil then
    error('invalid ARGV[' .. i .. '] (' .. what .. '): ' .. tostring(ARGV[i]))
  end
  return n
end

local CFG = {
  failureThreshold = num_arg(4, 'failureThreshold'),
  resetTimeoutMs = num_arg(5, 'resetTimeoutMs'),
  successThreshold = num_arg(6, 'successThreshold'),
  halfOpenMaxProbes = num_arg(7, 'halfOpenMaxProbes'),
  probeLeaseMs = num_arg(8, 'probeLeaseMs'),
}

-- Failure-rate rule, or nil in consecutive mode (it then replaces the consecutive rule).
local FR = nil
if num_arg(9, 'failureRate.threshold') > 0 then
  FR = {
    threshold = num_arg(9, 'failureRate.threshold'),
    windowMs = num_arg(10, 'failureRate.windowMs'),
    minimumCalls = num_arg(11, 'failureRate.minimumCalls'),
  }
end

-- A key never expires while its state still matters (an open circuit, a lease, the window).
local TTL_MS = math.ceil(math.max(num_arg(3, 'keyTtlMs'), CFG.resetTimeoutMs, CFG.probeLeaseMs, FR and FR.windowMs or 0))

-- Integers as decimal strings (never "1.7e+12"), for hash fields, scores and messages.
local function int(n)
  return string.format('%d', n)
end
