--[[
  Everything a breaker script needs, in dependency order. Each operation script includes this once
  and then loads the state:  local d, problem, v = load_state(); if not d then return repair(problem, v) end
]]
--- @include "args"
--- @include "clock"
--- @include "rules"
--- @include "state"
--- @include "snapshot"
