--[[
  A waiting-room instance reports how many sockets it holds, so the operator sees the total.
  Reports older than a minute (instances that died) are dropped here.

  KEYS[1] instances hash: instanceId -> "sockets|reportedAt"
  ARGV[1] instanceId
  ARGV[2] connected sockets
  ARGV[3] now override, epoch ms (tests only; empty means Redis TIME)

  Returns 1
]]
-- @include now

local now = currentTime(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. now)
local reports = redis.call('HGETALL', KEYS[1])
for i = 1, #reports, 2 do
  local bar = string.find(reports[i + 1], '|', 1, true)
  if tonumber(string.sub(reports[i + 1], bar + 1)) < now - 60000 then redis.call('HDEL', KEYS[1], reports[i]) end
end
return 1
