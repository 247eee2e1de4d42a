--[[
  Applies the one shuffle of the pre-queue, once, whichever instance gets here first. The
  caller draws the order with a cryptographic random source; this step only checks that nobody
  shuffled before and that the sale has started (so the pre-queue can no longer grow), and
  rewrites the pre-queue scores in that order, in the queue and among the present alike.
  Members who left meanwhile stay out, and absent ones stay absent (ZADD XX).

  KEYS[1] sale hash
  KEYS[2] queue sorted set
  KEYS[3] admission hash (prequeueSettled)
  KEYS[4] present sorted set (the same scores, for those last seen present)
  ARGV[1] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[2..] the pre-queue's userIds in their drawn order

  Returns 'settled' | 'already_settled' | 'not_started' (the pre-queue could still grow)
]]
-- @include now

if redis.call('HGET', KEYS[3], 'prequeueSettled') == '1' then return 'already_settled' end
local startsAt = tonumber(redis.call('HGET', KEYS[1], 'startsAt'))
if currentTime(ARGV[1]) < startsAt then return 'not_started' end
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[2], 'XX', i - 1, ARGV[i])
  redis.call('ZADD', KEYS[4], 'XX', i - 1, ARGV[i])
end
redis.call('HSET', KEYS[3], 'prequeueSettled', '1')
-- Positions changed wholesale: tell the position pushers to look again.
redis.call('HINCRBY', KEYS[3], 'departures', 1)
return 'settled'
