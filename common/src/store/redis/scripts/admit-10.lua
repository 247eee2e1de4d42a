--[[
  The admission step. Any instance may run it at any time: it clears expired admissions, times
  out shoppers absent too long, then admits present shoppers from the head of the line as many as
  the shared bucket allows by the Redis clock, within min(maxActive, remaining x overbook) active
  admissions. So the total rate is exact with one instance or five, and admissions go on as long
  as any instance runs. The bucket earns nothing before the start, and a step keeps unspent
  allowance only as far as present shoppers and free slots could use it, so no burst follows a wait.
  Until the walk along the line, this is planAdmission() in queue/admission.ts, which the embedded
  store calls; the bucket's arithmetic is includes/bucket.lua, the twin of refillBucket() and
  spendAllowance().

  Absent shoppers are passed over: they keep their place in the queue but leave 'present', so the
  next step does not look at them again; a renewed lease puts them back at their own score, ahead
  of everyone who stood behind them. Passing over spends no allowance and no slot.

  KEYS[1] sale hash
  KEYS[2] queue sorted set
  KEYS[3] active sorted set (admission expiry)
  KEYS[4] admission hash (settings, bucket, counters; 'departures' counts who left the line)
  KEYS[5] admission tokens hash
  KEYS[6] present sorted set (waiting shoppers last seen present, by queue score)
  KEYS[7] presence sorted set (lease: present until, epoch ms)
  KEYS[8] report hash ('<figure>:<minute>' -> count)
  KEYS[9] joined-at hash (userId -> when the waiting shopper took their place)
  KEYS[10] queue times sorted set (userId -> ms from join to their latest admission)
  ARGV[1] admission token lifetime, ms
  ARGV[2] most shoppers to admit in this step
  ARGV[3] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[4] idle timeout, ms: a lease run out this long ago takes the shopper out of the queue
  ARGV[5] most absent shoppers to pass over in this step
  ARGV[6] most idle shoppers to time out in this step

  Returns {state, expiresAt, passedOver, expiredCount, timedOutCount,
           expired userIds..., timed-out userIds..., admitted userIds...}
          state: 'admitting' | 'paused' | 'closed' (not active, or sold out) | 'awaiting_draw'
  Errors  NOSALE when the sale has not been initialised
]]
-- @include now
-- @include bucket
-- @include presence
-- @include report

local now = currentTime(ARGV[3])
local expiresAt = now + tonumber(ARGV[1])

local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1000)
if #expired > 0 then
  redis.call('ZREM', KEYS[3], unpack(expired))
  redis.call('HDEL', KEYS[5], unpack(expired))
  redis.call('HINCRBY', KEYS[4], 'expiredTotal', #expired)
  countInMinute(KEYS[8], 'expired', now, #expired)
end

local timedOut = redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', now - tonumber(ARGV[4]), 'LIMIT', 0, tonumber(ARGV[6]))
for _, userId in ipairs(timedOut) do
  leaveLine(KEYS[2], KEYS[6], KEYS[7], userId)
  redis.call('HDEL', KEYS[9], userId)
end
if #timedOut > 0 then
  redis.call('HINCRBY', KEYS[4], 'timedOutTotal', #timedOut)
  redis.call('HINCRBY', KEYS[4], 'departures', #timedOut)
  countDepartures(KEYS[1], KEYS[8], now, #timedOut)
end

local function reply(state, admitted, passedOver)
  local out = {state, expiresAt, passedOver, #expired, #timedOut}
  for _, userId in ipairs(expired) do table.insert(out, userId) end
  for _, userId in ipairs(timedOut) do table.insert(out, userId) end
  for _, userId in ipairs(admitted) do table.insert(out, userId) end
  return out
end

local sale = redis.call('HMGET', KEYS[1], 'startsAt', 'endsAt', 'remaining')
if not sale[1] then
  return redis.error_reply('NOSALE the sale has not been initialised')
end
local remaining = tonumber(sale[3])
if now < tonumber(sale[1]) or now >= tonumber(sale[2]) or remaining <= 0 then
  return reply('closed', {}, 0)
end

local settings = readAdmission(KEYS[4])
if settings.prequeueSettled ~= '1' then
  return reply('awaiting_draw', {}, 0)
end

local allowance = refilledAllowance(settings, now, tonumber(sale[1]))
if settings.paused == '1' then
  redis.call('HSET', KEYS[4], 'allowance', tostring(allowance), 'updatedAt', tostring(now))
  return reply('paused', {}, 0)
end
local cap = math.floor(remaining * tonumber(settings.overbook))
if settings.maxActive ~= '' then cap = math.min(cap, tonumber(settings.maxActive)) end
local room = cap - redis.call('ZCARD', KEYS[3])
local grant = math.min(math.floor(allowance), room, tonumber(ARGV[2]))

local admitted, passedOver = {}, 0
local passLimit = tonumber(ARGV[5])
local lineRanOut = false
while #admitted < grant and passedOver < passLimit do
  -- A few more than needed, so a run of absent shoppers costs few ZRANGE calls.
  local candidates = redis.call('ZRANGE', KEYS[6], 0, math.max(grant - #admitted, 100) - 1)
  if #candidates == 0 then
    lineRanOut = true
    break
  end
  for _, userId in ipairs(candidates) do
    if #admitted >= grant or passedOver >= passLimit then break end
    redis.call('ZREM', KEYS[6], userId)
    local lease = tonumber(redis.call('ZSCORE', KEYS[7], userId))
    if lease and lease > now then
      leaveLine(KEYS[2], KEYS[6], KEYS[7], userId)
      redis.call('ZADD', KEYS[10], now - tonumber(redis.call('HGET', KEYS[9], userId) or now), userId)
      redis.call('HDEL', KEYS[9], userId)
      redis.call('ZADD', KEYS[3], expiresAt, userId)
      table.insert(admitted, userId)
    elseif lease then
      passedOver = passedOver + 1
    end
  end
end
allowance = spentAllowance(allowance, #admitted, room, lineRanOut)
if #admitted > 0 then
  redis.call('HINCRBY', KEYS[4], 'admittedTotal', #admitted)
  redis.call('HINCRBY', KEYS[4], 'departures', #admitted)
  countInMinute(KEYS[8], 'admitted', now, #admitted)
end
if passedOver > 0 then redis.call('HINCRBY', KEYS[4], 'passedOverTotal', passedOver) end
redis.call('HSET', KEYS[4], 'allowance', tostring(allowance), 'updatedAt', tostring(now))
return reply('admitting', admitted, passedOver)
