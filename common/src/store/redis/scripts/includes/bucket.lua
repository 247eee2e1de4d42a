-- The shared admission bucket, as refillBucket() and spendAllowance() in queue/admission.ts: it
-- fills at the rate per minute by the Redis clock, from the start on, holds at most one second's
-- worth, and does not fill while paused.
local function refilledAllowance(settings, now, startsAt)
  local rate = tonumber(settings.ratePerMinute)
  local allowance = tonumber(settings.allowance) or 0
  local earningFrom = math.max(tonumber(settings.updatedAt) or now, startsAt)
  if settings.paused == '1' or now <= earningFrom then
    return allowance
  end
  local capacity = math.max(1, rate / 60)
  return math.min(capacity, allowance + (now - earningFrom) * rate / 60000)
end

-- Unspent allowance is kept only as far as someone could use it: no whole units once no present
-- shopper is left, and never more than the cap's free slots (room, before the step), so that
-- allowance nobody could use never comes out as a burst.
local function spentAllowance(allowance, admitted, room, lineRanOut)
  local left = allowance - admitted
  local usable = 0
  if not lineRanOut then usable = math.max(0, room - admitted) end
  return math.min(left, usable + left - math.floor(left))
end

local function readAdmission(admissionKey)
  local v = redis.call('HMGET', admissionKey, 'ratePerMinute', 'paused', 'maxActive', 'overbook', 'allowance', 'updatedAt', 'prequeueSettled')
  return { ratePerMinute = v[1], paused = v[2], maxActive = v[3], overbook = v[4], allowance = v[5], updatedAt = v[6], prequeueSettled = v[7] }
end
