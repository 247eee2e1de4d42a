--[[
  Reads the sale and the Redis clock in one step.

  KEYS[1] sale hash
  ARGV[1] now override, epoch ms (tests only; empty means Redis TIME)

  Returns {saleId, stock, remaining, startsAt, endsAt, queueOpensAt, now}
  Errors  NOSALE when the sale has not been initialised
]]
-- @include now
-- @include snapshot

return saleSnapshot(KEYS[1], currentTime(ARGV[1]))
