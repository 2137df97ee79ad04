-- restore: put a pad back into Redis from a worker's copy after Redis lost
-- it (restarted without persistence, a failover to a replica that had not
-- received the latest revisions, a FLUSHALL).  Written only when the
-- stored head is still the one the worker saw ("seen") and, if that is a
-- revision, the stored record of it is the worker's own (the same
-- history); otherwise nothing is written: another worker restored it
-- first, or the pad went on without this worker.
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:revs   KEYS[3] P{pad}:pool
-- KEYS[4] P{pad}:snap   KEYS[5] P{pad}:snapidx
-- ARGV[1] seen: the stored head the worker saw (-1: no pad)
-- ARGV[2] ARGV[3] ARGV[4]: changeset, author and ts of revision "seen" in
--         the worker ("" when seen is -1)
-- ARGV[5] head: the worker's head (> seen)
-- ARGV[6] the AText after head: {"rev":head,"text":"...","attribs":"..."}
-- ARGV[7] pool_next   ARGV[8] npool
-- ARGV[9..8+npool] the whole pool, entry 0 first, each ["key","value"]
-- then the records of revisions the worker still has, after "seen"
--
-- Returns head when restored, else an error naming the stored head.

local stored = tonumber(redis.call('HGET', KEYS[1], 'head') or '-1')
local seen = tonumber(ARGV[1])
local head = tonumber(ARGV[5])
local npool = tonumber(ARGV[8])

if seen == nil or head == nil or npool == nil or head <= seen
   or npool < 0 or 8 + npool > #ARGV
then
    return redis.error_reply('ERR bad restore arguments')
end

if stored ~= seen then
    return redis.error_reply('ERR not restored: the stored head is '
                             .. stored .. ', not ' .. seen)
end

if seen >= 0 then
    local rec = redis.call('HGET', KEYS[2], seen)
    local ok, r = pcall(cjson.decode, rec or '')
    if not ok or type(r) ~= 'table' or r.cs ~= ARGV[2]
       or r.author ~= ARGV[3] or tostring(r.ts) ~= ARGV[4]
    then
        return redis.error_reply('ERR not restored: stored revision '
                                 .. seen .. ' differs')
    end
end

local t = redis.call('TIME')
local tss = string.format('%d', tonumber(t[1]) * 1000
                                + math.floor(tonumber(t[2]) / 1000))

for i = 0, npool - 1 do
    redis.call('HSET', KEYS[3], i, ARGV[9 + i])
end

for i = 9 + npool, #ARGV do
    local ok, r = pcall(cjson.decode, ARGV[i])
    if ok and type(r) == 'table' and type(r.rev) == 'number'
       and r.rev > seen and r.rev <= head
    then
        redis.call('HSET', KEYS[2], r.rev, ARGV[i])
    end
end

redis.call('HSET', KEYS[4], head, ARGV[6])
redis.call('ZADD', KEYS[5], head, head)
redis.call('HSET', KEYS[1], 'head', head, 'pool_next', ARGV[7],
           'snap', head, 'updated', tss)
redis.call('HSETNX', KEYS[1], 'created', tss)

return head
