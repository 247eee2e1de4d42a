--[[
  The admission step. Any instance may run it at any time: it clears expired admissions, then
  admits from the head of the queue as many shoppers as the shared bucket allows by the Redis
  clock, within min(maxActive, remaining × overbook) active admissions. So the total rate is
  exact with one instance or five, and admissions go on as long as any instance runs.

  KEYS[1] sale hash
  KEYS[2] queue sorted set
  KEYS[3] active sorted set (admission expiry)
  KEYS[4] admission hash (settings, bucket, counters; 'departures' counts who left the line)
  KEYS[5] admission tokens hash
  ARGV[1] admission token lifetime, ms
  ARGV[2] most shoppers to admit in this step
  ARGV[3] now override, epoch ms (tests only; empty means Redis TIME)

  Returns {state, expiresAt, expiredCount, expired userIds..., admitted userIds...}
          state: 'admitting' | 'paused' | 'closed' (not active, or sold out) | 'awaiting_shuffle'
  Errors  NOSALE when the sale has not been initialised
]]
-- @include now
-- @include bucket

local now = currentTime(ARGV[3])
local expiresAt = now + tonumber(ARGV[1])

local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1000)
if #expired > 0 then
  redis.call('ZREM', KEYS[3], unpack(expired))
  redis.call('HDEL', KEYS[5], unpack(expired))
  redis.call('HINCRBY', KEYS[4], 'expiredTotal', #expired)
end
local function reply(state, admitted)
  local out = {state, expiresAt, #expired}
  for _, userId in ipairs(expired) do table.insert(out, userId) end
  for _, userId in ipairs(admitted) do table.insert(out, userId) end
  return out
end

local sale = redis.call('HMGET', KEYS[1], 'startsAt', 'endsAt', 'remaining')
if not sale[1] then
  return redis.error_reply('NOSALE the sale has not been initialised')
end
local remaining = tonumber(sale[3])
if now < tonumber(sale[1]) or now >= tonumber(sale[2]) or remaining <= 0 then
  return reply('closed', {})
end

local settings = readAdmission(KEYS[4])
if settings.prequeueSettled ~= '1' then
  return reply('awaiting_shuffle', {})
end

local allowance = refilledAllowance(settings, now)
if settings.paused == '1' then
  redis.call('HSET', KEYS[4], 'allowance', tostring(allowance), 'updatedAt', tostring(now))
  return reply('paused', {})
end
local cap = math.floor(remaining * tonumber(settings.overbook))
if settings.maxActive ~= '' then cap = math.min(cap, tonumber(settings.maxActive)) end
local grant = math.min(math.floor(allowance), cap - redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[2]), tonumber(ARGV[2]))

local admitted = {}
if grant > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], grant)
  for i = 1, #popped, 2 do
    table.insert(admitted, popped[i])
    redis.call('ZADD', KEYS[3], expiresAt, popped[i])
  end
  allowance = allowance - #admitted
  redis.call('HINCRBY', KEYS[4], 'admittedTotal', #admitted)
  redis.call('HINCRBY', KEYS[4], 'departures', #admitted)
end
redis.call('HSET', KEYS[4], 'allowance', tostring(allowance), 'updatedAt', tostring(now))
return reply('admitting', admitted)
