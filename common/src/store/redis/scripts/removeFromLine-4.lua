--[[
  Takes shoppers out of the line where they still wait: the places of a network the operator
  barred. Admitted shoppers keep their admission; the rest were not waiting anyway.

  KEYS[1] queue sorted set
  KEYS[2] present sorted set
  KEYS[3] presence sorted set
  KEYS[4] admission hash ('departures': positions behind them improve)
  ARGV[1..] userIds, normalised

  Returns the userIds taken out
]]
-- @include presence

local removed = {}
for _, userId in ipairs(ARGV) do
  if leaveLine(KEYS[1], KEYS[2], KEYS[3], userId) == 1 then table.insert(removed, userId) end
end
if #removed > 0 then redis.call('HINCRBY', KEYS[4], 'departures', #removed) end
return removed
