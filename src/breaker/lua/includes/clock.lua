--[[
  The store clock: the Redis server's TIME, in ms. Never the callers' clocks, so a fleet whose
  machines disagree about the time still agrees about the breaker.
]]
local function redis_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local NOW = redis_now_ms()
