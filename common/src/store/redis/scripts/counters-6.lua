--[[
  The sale-wide figures, read in one step so they agree with each other: the operator's
  counters, and what every instance's ticker needs (the line's length and its 'departures').

  KEYS[1] sale hash (remaining, stock, the window, outcome:<code> counters)
  KEYS[2] queue sorted set
  KEYS[3] active sorted set
  KEYS[4] admission hash (counters; prequeueSettled '0' while a random pre-queue awaits its draw)
  KEYS[5] instances hash: instanceId -> "sockets|reportedAt"
  KEYS[6] presence sorted set (lease: present until, epoch ms)
  ARGV[1] how old a socket report may be and still count, ms
  ARGV[2] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[3] pre-queue band: the pre-queue scores below it

  Returns {now, waiting, present, activeAdmissions, admittedTotal, expiredTotal, departures,
           passedOverTotal, timedOutTotal, connectedSockets, remaining, stock, inDraw,
           challengesFailed, placesRefused, startsAt, endsAt, queueOpensAt,
           outcome code, count, outcome code, count, ...}
  Errors  NOSALE when the sale has not been initialised
]]
-- @include now

local now = currentTime(ARGV[2])
local sale = redis.call('HGETALL', KEYS[1])
if #sale == 0 then
  return redis.error_reply('NOSALE the sale has not been initialised')
end
local admission = redis.call('HMGET', KEYS[4], 'admittedTotal', 'expiredTotal', 'departures', 'passedOverTotal', 'timedOutTotal',
  'prequeueSettled', 'challengesFailed', 'placesRefused')
local inDraw = 0
if admission[6] == '0' then inDraw = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. ARGV[3]) end

local sockets = 0
local reports = redis.call('HVALS', KEYS[5])
for _, report in ipairs(reports) do
  local bar = string.find(report, '|', 1, true)
  if tonumber(string.sub(report, bar + 1)) >= now - tonumber(ARGV[1]) then
    sockets = sockets + tonumber(string.sub(report, 1, bar - 1))
  end
end

local reply = {
  tostring(now), redis.call('ZCARD', KEYS[2]), redis.call('ZCOUNT', KEYS[6], '(' .. now, '+inf'),
  redis.call('ZCARD', KEYS[3]), admission[1] or '0', admission[2] or '0', admission[3] or '0',
  admission[4] or '0', admission[5] or '0', sockets, '', '', inDraw, admission[7] or '0', admission[8] or '0', '', '', '',
}
local fields = { remaining = 11, stock = 12, startsAt = 16, endsAt = 17, queueOpensAt = 18 }
for i = 1, #sale, 2 do
  if fields[sale[i]] then reply[fields[sale[i]]] = sale[i + 1]
  elseif string.sub(sale[i], 1, 8) == 'outcome:' then
    table.insert(reply, string.sub(sale[i], 9))
    table.insert(reply, sale[i + 1])
  end
end
return reply
