--[[
  Takes shoppers out of the line where they still wait: the places of a network the operator
  barred. Admitted shoppers keep their admission; the rest were not waiting anyway.

  KEYS[1] queue sorted set
  KEYS[2] present sorted set
  KEYS[3] presence sorted set
  KEYS[4] admission hash ('departures': positions behind them improve)
  KEYS[5] sale hash (remaining, endsAt: whether the departures count as left)
  KEYS[6] report hash ('<figure>:<minute>' -> count)
  KEYS[7] joined-at hash
  ARGV[1] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[2..] userIds, normalised

  Returns the userIds taken out
]]
-- @include now
-- @include presence
-- @include report

local removed = {}
for i = 2, #ARGV do
  local userId = ARGV[i]
  if leaveLine(KEYS[1], KEYS[2], KEYS[3], userId) == 1 then
    redis.call('HDEL', KEYS[7], userId)
    table.insert(removed, userId)
  end
end
if #removed > 0 then
  redis.call('HINCRBY', KEYS[4], 'departures', #removed)
  countDepartures(KEYS[5], KEYS[6], currentTime(ARGV[1]), #removed)
end
return removed
