--[[
  Renews the presence leases of the shoppers whose sockets one instance holds: one call per
  instance per renewal interval, whatever the number of sockets. Shoppers who no longer wait
  are skipped, so nobody gets a lease outside the line.

  KEYS[1] queue sorted set
  KEYS[2] present sorted set (waiting shoppers last seen present, by queue score)
  KEYS[3] presence sorted set (lease: present until, epoch ms)
  ARGV[1] lease length (the presence grace), ms
  ARGV[2] now override, epoch ms (tests only; empty means Redis TIME)
  ARGV[3..] userIds

  Returns how many leases were renewed
]]
-- @include now
-- @include presence

local untilMs = currentTime(ARGV[2]) + tonumber(ARGV[1])
local renewed = 0
for i = 3, #ARGV do
  if renewLease(KEYS[1], KEYS[2], KEYS[3], ARGV[i], untilMs) then renewed = renewed + 1 end
end
return renewed
