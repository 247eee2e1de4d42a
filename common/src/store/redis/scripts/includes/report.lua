-- The report's per-minute counts, as minuteCountKey() and departureCounts() in sale/sale-record.ts:
-- one hash field '<figure>:<minute>' per figure and minute (minute: epoch ms / 60,000).
local function countInMinute(reportKey, figure, atMs, n)
  if n > 0 then redis.call('HINCRBY', reportKey, figure .. ':' .. string.format('%d', math.floor(atMs / 60000)), n) end
end

-- Shoppers who left the line count as left only while the sale could still sell to them.
local function countDepartures(saleKey, reportKey, now, n)
  local sale = redis.call('HMGET', saleKey, 'remaining', 'endsAt')
  if tonumber(sale[1] or '0') > 0 and now < tonumber(sale[2] or '0') then countInMinute(reportKey, 'left', now, n) end
end
