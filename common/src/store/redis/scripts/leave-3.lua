--[[
  A shopper leaves: out of the queue, and out of an admission they held, freeing its slot.

  KEYS[1] queue sorted set
  KEYS[2] active sorted set
  KEYS[3] admission tokens hash
  ARGV[1] userId, normalised

  Returns 1 when the shopper was waiting or admitted, 0 otherwise
]]
local removed = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return math.min(removed, 1)
