--[[
  Creates the sale unless it exists, then returns it as stored. The first instance to start
  defines the sale; later instances and restarts adopt it, so the stock is never reset.

  KEYS[1] sale hash
  KEYS[2] admission hash
  KEYS[3] lottery hash
  ARGV[1] saleId
  ARGV[2] stock
  ARGV[3] startsAt, epoch ms
  ARGV[4] endsAt, epoch ms
  ARGV[5] queueOpensAt, epoch ms
  ARGV[6] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[7] admission rate per minute ('' = leave the admission settings to the waiting room)
  ARGV[8] maxActive ('' = as many as the stock allows)
  ARGV[9] overbook
  ARGV[10] pre-queue order: 'random' or 'fifo'
  ARGV[11] lottery seed, secret until the draw (random order only)
  ARGV[12] its commitment, SHA-256 hex
  ARGV[13] the join challenge's maxnumber (0 = off)

  The admission settings and the lottery are set only where unset, so an operator's changes
  survive restarts, and the seed committed to first is the one drawn with.

  Returns {saleId, stock, remaining, startsAt, endsAt, queueOpensAt, now}
]]
-- @include now
-- @include snapshot

if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'saleId', ARGV[1], 'stock', ARGV[2], 'remaining', ARGV[2],
    'startsAt', ARGV[3], 'endsAt', ARGV[4], 'queueOpensAt', ARGV[5])
end
local now = currentTime(ARGV[6])
if ARGV[7] ~= '' then
  redis.call('HSETNX', KEYS[2], 'ratePerMinute', ARGV[7])
  redis.call('HSETNX', KEYS[2], 'paused', '0')
  redis.call('HSETNX', KEYS[2], 'maxActive', ARGV[8])
  redis.call('HSETNX', KEYS[2], 'overbook', ARGV[9])
  redis.call('HSETNX', KEYS[2], 'challengeMaxNumber', ARGV[13])
  redis.call('HSETNX', KEYS[2], 'prequeueSettled', ARGV[10] == 'fifo' and '1' or '0')
  redis.call('HSETNX', KEYS[2], 'allowance', '0')
  redis.call('HSETNX', KEYS[2], 'updatedAt', tostring(now))
  redis.call('HSETNX', KEYS[3], 'order', ARGV[10])
  if ARGV[10] == 'random' and redis.call('HGET', KEYS[3], 'order') == 'random' then
    redis.call('HSETNX', KEYS[3], 'seed', ARGV[11])
    redis.call('HSETNX', KEYS[3], 'commitment', ARGV[12])
  end
end
return saleSnapshot(KEYS[1], now)
