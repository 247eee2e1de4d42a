--[[
  Keeps the token signed for an admission, so a shopper who missed the push finds it again.
  Only while that admission stands: a token for a shopper who bought or expired meanwhile is
  dropped.

  KEYS[1] active sorted set
  KEYS[2] admission tokens hash
  ARGV[1] userId
  ARGV[2] admission token

  Returns 1 when kept, 0 when the admission no longer stands
]]
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
