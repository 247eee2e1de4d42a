--[[
  Sells one unit to one shopper, or says why not, in one atomic step. The checks run in the
  order of decidePurchase() in sale/purchase.ts: window, token expiry, one per user, stock.

  KEYS[1] sale hash: startsAt, endsAt, remaining, and one 'outcome:<code>' counter per outcome
  KEYS[2] orders hash: userId -> "orderId|purchasedAt"
  KEYS[3] order log stream, read by the order ledger
  KEYS[4] active sorted set: a purchase ends the shopper's admission
  KEYS[5] admission tokens hash
  KEYS[6] order times sorted set: userId by purchasedAt, so reconciliation reads only what is new
  ARGV[1] userId, normalised
  ARGV[2] orderId, used only if this purchase succeeds
  ARGV[3] tokenExpiresAt, epoch ms
  ARGV[4] now override, epoch ms (tests only; empty means Redis TIME)

  Returns {'purchased', orderId, purchasedAt}
          {'already_purchased', orderId, purchasedAt}
          {'sold_out'} | {'sale_not_started'} | {'sale_ended'} | {'token_expired'}
  Errors  NOSALE when the sale has not been initialised
]]
-- @include now

-- Every outcome is counted sale-wide, for the operator's figures.
local function outcome(reply)
  redis.call('HINCRBY', KEYS[1], 'outcome:' .. reply[1], 1)
  return reply
end

local sale = redis.call('HMGET', KEYS[1], 'startsAt', 'endsAt', 'remaining')
if not sale[1] then
  return redis.error_reply('NOSALE the sale has not been initialised')
end

local now = currentTime(ARGV[4])
if now < tonumber(sale[1]) then return outcome({'sale_not_started'}) end
if now >= tonumber(sale[2]) then return outcome({'sale_ended'}) end
if now >= tonumber(ARGV[3]) then return outcome({'token_expired'}) end

local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  local bar = string.find(existing, '|', 1, true)
  return outcome({'already_purchased', string.sub(existing, 1, bar - 1), string.sub(existing, bar + 1)})
end

if tonumber(sale[3]) <= 0 then return outcome({'sold_out'}) end

local purchasedAt = tostring(now)
redis.call('HINCRBY', KEYS[1], 'remaining', -1)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. '|' .. purchasedAt)
redis.call('XADD', KEYS[3], '*', 'orderId', ARGV[2], 'userId', ARGV[1], 'purchasedAt', purchasedAt)
redis.call('ZADD', KEYS[6], purchasedAt, ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return outcome({'purchased', ARGV[2], purchasedAt})
