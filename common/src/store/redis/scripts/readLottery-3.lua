--[[
  The lottery as the public may see it: the seed and the drawn tickets only once drawn.

  KEYS[1] lottery hash (order, seed, commitment, drawnAt)
  KEYS[2] lottery draw list
  KEYS[3] sale hash (only to tell an unknown sale)

  Returns {order, commitment or '', drawn ('1'/'0'), seed or '', tickets in drawn order...}
  Errors  NOSALE when the sale has not been initialised
]]

if redis.call('EXISTS', KEYS[3]) == 0 then
  return redis.error_reply('NOSALE the sale has not been initialised')
end
local lottery = redis.call('HMGET', KEYS[1], 'order', 'commitment', 'seed', 'drawnAt')
if not lottery[4] then
  return {lottery[1] or 'fifo', lottery[2] or '', '0', ''}
end
local reply = {lottery[1], lottery[2] or '', '1', lottery[3] or ''}
for _, ticket in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do table.insert(reply, ticket) end
return reply
