-- stats: the fleet's sessions and active pads, as the workers record them
-- (getStats).
--
-- KEYS[1] P{stats}:workers   hash: worker id -> "<sessions>:<expiry ms>"
-- KEYS[2] P{stats}:pads      sorted set: pad id, score its expiry (ms)
-- ARGV[1] now (ms)
--
-- Expired fields and members (of workers that died or stopped writing)
-- are removed.  Returns {sessions, active pads, workers}.

local now = tonumber(ARGV[1])
local sessions, workers = 0, 0
local all = redis.call('HGETALL', KEYS[1])

for i = 1, #all, 2 do
    local n, expiry = string.match(all[i + 1], '^(%d+):(%d+)$')

    if n and tonumber(expiry) > now then
        sessions = sessions + tonumber(n)
        workers = workers + 1
    else
        redis.call('HDEL', KEYS[1], all[i])
    end
end

redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)

return {sessions, redis.call('ZCARD', KEYS[2]), workers}
