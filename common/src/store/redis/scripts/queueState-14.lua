--[[
  Where a shopper stands, and (mode 'join') puts them in the queue if they are nowhere yet.
  Idempotent: a shopper already waiting keeps their place, so a position never gets worse.
  A join to a random pre-queue before its draw keeps the lottery ticket the caller drew for it.
  Either mode comes from the shopper themselves, so a waiting shopper's presence lease is renewed.
  An admission that expired unused is cleared here, and a join then goes to the back.
  A join spends its challenge first, once across all instances; a new place counts against its
  network's cap. The rules are standingOutsideLine() and newPlace() in queue/queue-state.ts,
  which the embedded store calls; this script is their Redis twin.

  KEYS[1] sale hash
  KEYS[2] orders hash
  KEYS[3] queue sorted set
  KEYS[4] active sorted set (admission expiry)
  KEYS[5] admission tokens hash
  KEYS[6] admission hash (joinSeq, expiredTotal, prequeueSettled; challengesFailed, placesRefused)
  KEYS[7] present sorted set
  KEYS[8] presence sorted set
  KEYS[9] tickets hash
  KEYS[10] networks sorted set (network -> places taken)
  KEYS[11] place addresses hash (userId -> client address)
  KEYS[12] spent challenges sorted set (challenge id -> expiry, epoch ms)
  KEYS[13] report hash ('<figure>:<minute>' -> count)
  KEYS[14] joined-at hash (userId -> when the waiting shopper took their place, epoch ms)
  ARGV[1] userId, normalised
  ARGV[2] mode: 'join' or 'peek'
  ARGV[3] pre-queue band: scores of joins after the start begin here
  ARGV[4] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[5] presence lease length (the grace), ms
  ARGV[6] a fresh lottery ticket, kept only by a new join to a random pre-queue
  ARGV[7] the client's network ('' for none: no cap is counted)
  ARGV[8] most places the network may take (0: no cap)
  ARGV[9] the client's address
  ARGV[10] the solved challenge's id, spent by this join ('' for none)
  ARGV[11] when that challenge expires anyway, epoch ms

  Returns {'purchased', orderId, purchasedAt} | {'sold_out'} | {'sale_ended'}
          {'admitted', expiresAt, admissionToken or ''}
          {'waiting', position, waiting, inDraw, ticket or ''} | {'not_queued'} | {'queue_not_open'}
          {'too_many_places'} | {'challenge_spent'}
          (inDraw: pre-queue shoppers awaiting the draw when this shopper is one of them, else 0;
           waitingState() in queue/queue-state.ts turns this into what the shopper is shown)
  Errors  NOSALE when the sale has not been initialised
]]
-- @include now
-- @include presence
-- @include report

local userId = ARGV[1]
local sale = redis.call('HMGET', KEYS[1], 'startsAt', 'endsAt', 'remaining', 'queueOpensAt')
if not sale[1] then
  return redis.error_reply('NOSALE the sale has not been initialised')
end
local now = currentTime(ARGV[4])

if ARGV[10] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[12], '-inf', now)
  if redis.call('ZADD', KEYS[12], 'NX', ARGV[11], ARGV[10]) == 0 then
    redis.call('HINCRBY', KEYS[6], 'challengesFailed', 1)
    return {'challenge_spent'}
  end
end

local order = redis.call('HGET', KEYS[2], userId)
if order then
  local bar = string.find(order, '|', 1, true)
  return {'purchased', string.sub(order, 1, bar - 1), string.sub(order, bar + 1)}
end
if tonumber(sale[3]) <= 0 then return {'sold_out'} end
if now >= tonumber(sale[2]) then return {'sale_ended'} end

local expiresAt = redis.call('ZSCORE', KEYS[4], userId)
if expiresAt then
  if tonumber(expiresAt) > now then
    return {'admitted', expiresAt, redis.call('HGET', KEYS[5], userId) or ''}
  end
  redis.call('ZREM', KEYS[4], userId)
  redis.call('HDEL', KEYS[5], userId)
  redis.call('HINCRBY', KEYS[6], 'expiredTotal', 1)
  countInMinute(KEYS[13], 'expired', now, 1)
end

local undrawn = redis.call('HGET', KEYS[6], 'prequeueSettled') == '0'
local rank = redis.call('ZRANK', KEYS[3], userId)
if not rank then
  if ARGV[2] ~= 'join' then return {'not_queued'} end
  if now < tonumber(sale[4]) then return {'queue_not_open'} end
  local cap = tonumber(ARGV[8])
  if ARGV[7] ~= '' and cap > 0 and tonumber(redis.call('ZSCORE', KEYS[10], ARGV[7]) or '0') >= cap then
    redis.call('HINCRBY', KEYS[6], 'placesRefused', 1)
    return {'too_many_places'}
  end
  if ARGV[7] ~= '' then
    redis.call('ZINCRBY', KEYS[10], 1, ARGV[7])
    redis.call('HSET', KEYS[11], userId, ARGV[9])
  end
  local score = redis.call('HINCRBY', KEYS[6], 'joinSeq', 1)
  if now >= tonumber(sale[1]) then
    score = score + tonumber(ARGV[3])
  elseif undrawn then
    redis.call('HSET', KEYS[9], 'u:' .. userId, ARGV[6], 't:' .. ARGV[6], userId)
  end
  redis.call('ZADD', KEYS[3], score, userId)
  redis.call('HSET', KEYS[14], userId, now)
  countInMinute(KEYS[13], 'joined', now, 1)
  rank = redis.call('ZRANK', KEYS[3], userId)
end
renewLease(KEYS[3], KEYS[7], KEYS[8], userId, now + tonumber(ARGV[5]))
local inDraw = 0
if undrawn then inDraw = redis.call('ZCOUNT', KEYS[3], '-inf', '(' .. ARGV[3]) end
return {'waiting', rank + 1, redis.call('ZCARD', KEYS[3]), inDraw, redis.call('HGET', KEYS[9], 'u:' .. userId) or ''}
