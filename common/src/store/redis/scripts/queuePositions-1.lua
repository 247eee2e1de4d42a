--[[
  The 1-based positions of many waiting shoppers in one step, for the position pushers: one
  call per batch of shoppers, never one per shopper. ZRANK is O(log n) each.

  KEYS[1] queue sorted set
  ARGV[1..] userIds

  Returns one position per userId, in order; 0 for a shopper who no longer waits
]]
local positions = {}
for i = 1, #ARGV do
  local rank = redis.call('ZRANK', KEYS[1], ARGV[i])
  positions[i] = rank and rank + 1 or 0
end
return positions
