-- The sale as stored, with the time it was read at, in the order RedisStore parses it.
local function saleSnapshot(saleKey, now)
  local sale = redis.call('HMGET', saleKey, 'saleId', 'stock', 'remaining', 'startsAt', 'endsAt', 'queueOpensAt')
  if not sale[1] then
    return redis.error_reply('NOSALE the sale has not been initialised')
  end
  table.insert(sale, tostring(now))
  return sale
end
