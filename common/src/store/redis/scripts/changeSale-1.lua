--[[
  Writes an operator's change to the sale. The change was decided by decideSaleChange()
  (common/src/sale/sale-change.ts) on a snapshot; this step only checks, atomically, that the
  snapshot still holds (the window and the stock as read) and that the phase the change was
  decided in has not passed meanwhile, then writes it.

  KEYS[1] sale hash
  ARGV[1..3] the snapshot's startsAt, endsAt, stock
  ARGV[4] the phase decided in: 'upcoming' (all may change) or 'active' (the end only)
  ARGV[5..9] the new startsAt, endsAt, queueOpensAt, stock, remaining
  ARGV[10] now override, epoch ms (tests only; empty means Redis TIME)

  Returns 'OK'; 'CHANGED' when the snapshot no longer holds, or 'PASSED' when the phase ended
  meanwhile: the caller reads the sale again and decides again.
  Errors  NOSALE when the sale has not been initialised
]]
-- @include now

local sale = redis.call('HMGET', KEYS[1], 'startsAt', 'endsAt', 'stock', 'remaining')
if not sale[1] then
  return redis.error_reply('NOSALE the sale has not been initialised')
end
if sale[1] ~= ARGV[1] or sale[2] ~= ARGV[2] or sale[3] ~= ARGV[3] then return 'CHANGED' end

local now = currentTime(ARGV[10])
if ARGV[4] == 'upcoming' then
  if now >= tonumber(sale[1]) then return 'PASSED' end
  redis.call('HSET', KEYS[1], 'startsAt', ARGV[5], 'endsAt', ARGV[6], 'queueOpensAt', ARGV[7], 'stock', ARGV[8],
    'remaining', ARGV[9])
else
  if now >= tonumber(sale[2]) or tonumber(sale[4]) <= 0 or tonumber(ARGV[6]) <= now then return 'PASSED' end
  redis.call('HSET', KEYS[1], 'endsAt', ARGV[6])
end
return 'OK'
