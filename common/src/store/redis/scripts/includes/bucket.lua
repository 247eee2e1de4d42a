-- The shared admission bucket, as refillBucket() in queue/admission.ts: it fills at the rate per
-- minute by the Redis clock, holds at most one second's worth, and does not fill while paused.
local function refilledAllowance(settings, now)
  local rate = tonumber(settings.ratePerMinute)
  local allowance = tonumber(settings.allowance) or 0
  local updatedAt = tonumber(settings.updatedAt) or now
  if settings.paused == '1' or now <= updatedAt then
    return allowance
  end
  local capacity = math.max(1, rate / 60)
  return math.min(capacity, allowance + (now - updatedAt) * rate / 60000)
end

local function readAdmission(admissionKey)
  local v = redis.call('HMGET', admissionKey, 'ratePerMinute', 'paused', 'maxActive', 'overbook', 'allowance', 'updatedAt', 'prequeueSettled')
  return { ratePerMinute = v[1], paused = v[2], maxActive = v[3], overbook = v[4], allowance = v[5], updatedAt = v[6], prequeueSettled = v[7] }
end
