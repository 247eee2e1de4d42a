--[[
  Changes the operator's admission settings. The bucket is first brought up to now under the
  old settings, so a new rate or a pause applies from this instant, not retroactively.

  KEYS[1] admission hash
  KEYS[2] sale hash (startsAt: the bucket earns nothing before it)
  ARGV[1] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[2..] field, value pairs among ratePerMinute, paused ('1'/'0'), maxActive ('' = none), overbook,
            challengeMaxNumber

  Returns {ratePerMinute, paused, maxActive, overbook, challengeMaxNumber}
]]
-- @include now
-- @include bucket

local now = currentTime(ARGV[1])
local settings = readAdmission(KEYS[1])
local startsAt = tonumber(redis.call('HGET', KEYS[2], 'startsAt')) or 0
redis.call('HSET', KEYS[1], 'allowance', tostring(refilledAllowance(settings, now, startsAt)), 'updatedAt', tostring(now))
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return redis.call('HMGET', KEYS[1], 'ratePerMinute', 'paused', 'maxActive', 'overbook', 'challengeMaxNumber')
