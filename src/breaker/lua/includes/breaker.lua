--[[
  Everything a breaker script needs, in dependency order. Each operation script includes this once
  and then loads the state:  local d, problem, v = load_state(); if not d then return repair(problem, v) end

  What every operation script does, so its own header names only its KEYS, ARGV and reply:
  - Corrupt keys (bad fields, values out of range, a key of the wrong type) are repaired to a fresh
    CLOSED state, and the reply is a "BREAKER_CORRUPT ..." error (includes/state.lua, snapshot.lua).
  - Time is the Redis server's TIME (includes/clock.lua), never the instance's clock.
  - The new snapshot is published on the channel only when the operation made a transition.
]]
--- @include "args"
--- @include "clock"
--- @include "rules"
--- @include "state"
--- @include "snapshot"
