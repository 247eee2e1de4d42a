--[[
  A shopper leaves: out of the queue (with their presence), and out of an admission they held,
  freeing its slot.

  KEYS[1] queue sorted set
  KEYS[2] active sorted set
  KEYS[3] admission tokens hash
  KEYS[4] admission hash ('departures': positions behind the leaver improve)
  KEYS[5] present sorted set
  KEYS[6] presence sorted set
  KEYS[7] sale hash (remaining, endsAt: whether the departure counts as left)
  KEYS[8] report hash ('<figure>:<minute>' -> count)
  KEYS[9] joined-at hash
  ARGV[1] userId, normalised
  ARGV[2] now override, epoch ms (tests only; empty means Redis TIME)

  Returns 1 when the shopper was waiting or admitted, 0 otherwise
]]
-- @include now
-- @include presence
-- @include report

local left = leaveLine(KEYS[1], KEYS[5], KEYS[6], ARGV[1])
if left == 1 then
  redis.call('HINCRBY', KEYS[4], 'departures', 1)
  redis.call('HDEL', KEYS[9], ARGV[1])
  countDepartures(KEYS[7], KEYS[8], currentTime(ARGV[2]), 1)
end
local released = redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return math.min(left + released, 1)
