--[[
  Applies the pre-queue's one draw, once, whichever instance gets here first. The caller orders
  the tickets by the seed (drawOrder() in queue/lottery.ts: every instance computes the same
  order); this step checks that nobody drew before and that the sale has started (so the
  pre-queue can no longer grow), gives each ticket's holder its place in that order, in the
  queue and among the present alike, publishes the order and so reveals the seed. Holders who
  left meanwhile stay out, and absent ones stay absent (ZADD XX).

  KEYS[1] sale hash
  KEYS[2] queue sorted set
  KEYS[3] admission hash (prequeueSettled)
  KEYS[4] present sorted set (the same scores, for those last seen present)
  KEYS[5] tickets hash ("t:<ticket>" -> userId)
  KEYS[6] lottery hash (drawnAt)
  KEYS[7] lottery draw list (the tickets in the order drawn)
  ARGV[1] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[2..] the pre-queue's tickets in their drawn order

  Returns 'settled' | 'already_settled' | 'not_started' (the pre-queue could still grow)
]]
-- @include now

if redis.call('HGET', KEYS[3], 'prequeueSettled') == '1' then return 'already_settled' end
local now = currentTime(ARGV[1])
if now < tonumber(redis.call('HGET', KEYS[1], 'startsAt')) then return 'not_started' end
redis.call('DEL', KEYS[7])
for i = 2, #ARGV do
  local userId = redis.call('HGET', KEYS[5], 't:' .. ARGV[i])
  if userId then
    redis.call('ZADD', KEYS[2], 'XX', i - 1, userId)
    redis.call('ZADD', KEYS[4], 'XX', i - 1, userId)
  end
  redis.call('RPUSH', KEYS[7], ARGV[i])
end
redis.call('HSET', KEYS[3], 'prequeueSettled', '1')
redis.call('HSET', KEYS[6], 'drawnAt', tostring(now))
-- Positions changed wholesale: tell the position pushers to look again.
redis.call('HINCRBY', KEYS[3], 'departures', 1)
return 'settled'
