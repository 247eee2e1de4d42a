-- Presence leases, as queue/presence.ts describes them. Three keys work together: the queue
-- (everyone waiting, by queue score), 'present' (those last seen present, by the same score) and
-- 'presence' (each waiting shopper's lease: present until, epoch ms).

-- Renews a waiting shopper's lease to untilMs and puts them back among the present at their own
-- queue score, so admission finds them in their place. False when they do not wait.
local function renewLease(queueKey, presentKey, presenceKey, userId, untilMs)
  local score = redis.call('ZSCORE', queueKey, userId)
  if not score then return false end
  redis.call('ZADD', presenceKey, untilMs, userId)
  redis.call('ZADD', presentKey, score, userId)
  return true
end

-- Takes a shopper out of the line: queue, present and lease together. 1 if they were waiting.
local function leaveLine(queueKey, presentKey, presenceKey, userId)
  redis.call('ZREM', presentKey, userId)
  redis.call('ZREM', presenceKey, userId)
  return redis.call('ZREM', queueKey, userId)
end
