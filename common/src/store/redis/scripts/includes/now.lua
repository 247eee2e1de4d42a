-- Epoch milliseconds by the Redis clock, so every instance judges time alike whatever its own
-- clock says. A non-empty override is the test clock of RedisStore; production never passes one.
local function currentTime(override)
  if override ~= nil and override ~= '' then
    return tonumber(override)
  end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
