-- epoch: the marker of this Redis data set.  The first worker that finds
-- it missing writes it (a random id and Redis's time); a worker that
-- finds another id than the one it knew, or none, knows that Redis lost
-- its data (restarted without persistence, FLUSHALL, a new server) and
-- checks every pad it holds.  create.lua refuses to create a pad for
-- pad_redis_lost_grace after the marker was written, so that a worker
-- still holding the pad can write it back first.
--
-- KEYS[1] Pepoch
-- ARGV[1] the id to write when there is none
--
-- Returns {id, created, now} (ms, Redis's clock).

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = redis.call('HGET', KEYS[1], 'id')
local created

if not id then
    id = ARGV[1]
    created = now
    redis.call('HSET', KEYS[1], 'id', id,
               'created', string.format('%d', now))
else
    created = tonumber(redis.call('HGET', KEYS[1], 'created') or '0')
end

return {id, created, now}
