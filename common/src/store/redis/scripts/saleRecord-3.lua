--[[
  The sale's story for the report, in one read: the per-minute counts the other scripts keep,
  with the purchases counted per minute from the order times (so the purchase itself writes
  nothing more), how many shoppers have a time in queue, and when the latest purchase was made.

  KEYS[1] report hash ('<figure>:<minute>' -> count)
  KEYS[2] order times sorted set (userId -> purchasedAt, epoch ms)
  KEYS[3] queue times sorted set (userId -> ms from join to admission)
  ARGV[1] now override, epoch ms (tests only; empty means Redis TIME)

  Returns {now, queueTimes, lastPurchaseAt or '', field, count, field, count, ...}
]]
-- @include now

local reply = {tostring(currentTime(ARGV[1])), redis.call('ZCARD', KEYS[3]), ''}
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if #last > 0 then
  reply[3] = last[2]
  for minute = math.floor(tonumber(first[2]) / 60000), math.floor(tonumber(last[2]) / 60000) do
    local purchased = redis.call('ZCOUNT', KEYS[2], minute * 60000, '(' .. string.format('%d', (minute + 1) * 60000))
    if purchased > 0 then
      table.insert(reply, 'purchased:' .. string.format('%d', minute))
      table.insert(reply, purchased)
    end
  end
end
local counts = redis.call('HGETALL', KEYS[1])
for _, value in ipairs(counts) do table.insert(reply, value) end
return reply
