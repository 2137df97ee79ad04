-- restore: put a pad back into Redis from a worker's copy after Redis lost
-- revisions of it (restarted without persistence, a failover to a replica
-- that had not received the latest revisions, a FLUSHALL).  Written only
-- when the stored pad is still the one the worker saw: the same head
-- ("seen"), the same history id, and in mode "tail" the worker's own
-- record of revision "seen" (so Redis holds a prefix of the worker's
-- history); otherwise nothing is written: another worker wrote first.
--
-- Mode "tail": the worker's revisions after "seen" are added.
-- Mode "replace": Redis holds another history (a pad created anew after
-- the loss, or a fork); its revisions and snapshots are moved to the
-- KEYS[6..8] ("P{pad}:lost:<hist>.<head>:..."), the worker's history is
-- written in its place (its last revision, when it has one, carrying the
-- other history's edits rebased onto it), and "absorbed:<hist>" fields
-- record which revisions of which histories it now contains, so that a
-- worker holding one of them knows its edits are in Redis.
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:revs   KEYS[3] P{pad}:pool
-- KEYS[4] P{pad}:snap   KEYS[5] P{pad}:snapidx
-- KEYS[6] lost revs     KEYS[7] lost snap      KEYS[8] lost snapidx
-- ARGV[1] seen: the stored head the worker saw (-1: no pad)
-- ARGV[2] the stored history id the worker saw ("" none)
-- ARGV[3] ARGV[4] ARGV[5]: changeset, author and ts of revision "seen" in
--         the worker (mode "tail" with seen >= 0; else "")
-- ARGV[6] mode: "tail" or "replace"
-- ARGV[7] the history id to store
-- ARGV[8] head: the worker's head (> seen in mode "tail")
-- ARGV[9] the AText after head: {"rev":head,"text":"...","attribs":"..."}
-- ARGV[10] pool_next   ARGV[11] the pad's channel
-- ARGV[12] nabsorbed, then nabsorbed pairs (history id, revision)
-- then npool, the whole pool (entry 0 first, each ["key","value"]),
-- then the records of revisions the worker has
--
-- Publishes {"type":"reset","hist":...,"head":...} on the pad's channel
-- (every other holder compares its copy again).  Returns head when
-- restored, else an error naming what differs.

local m = redis.call('HMGET', KEYS[1], 'head', 'hist')
local stored = tonumber(m[1] or '-1')
local stored_hist = m[2] or ''
local seen = tonumber(ARGV[1])
local mode = ARGV[6]
local head = tonumber(ARGV[8])
local nabs = tonumber(ARGV[12])

if seen == nil or head == nil or nabs == nil or head < 0
   or (mode ~= 'tail' and mode ~= 'replace')
   or (mode == 'tail' and head <= seen)
then
    return redis.error_reply('ERR bad restore arguments')
end

local p = 13 + 2 * nabs
local npool = tonumber(ARGV[p])

if npool == nil or npool < 0 or p + npool > #ARGV then
    return redis.error_reply('ERR bad restore arguments')
end

if stored ~= seen or (stored >= 0 and stored_hist ~= ARGV[2]) then
    return redis.error_reply('ERR not restored: the stored head is '
                             .. stored .. ' of history "' .. stored_hist
                             .. '", not ' .. seen .. ' of "' .. ARGV[2]
                             .. '"')
end

if mode == 'tail' and seen >= 0 then
    local rec = redis.call('HGET', KEYS[2], seen)
    local ok, r = pcall(cjson.decode, rec or '')
    if not ok or type(r) ~= 'table' or r.cs ~= ARGV[3]
       or r.author ~= ARGV[4] or tostring(r.ts) ~= ARGV[5]
    then
        return redis.error_reply('ERR not restored: stored revision '
                                 .. seen .. ' differs')
    end
end

local t = redis.call('TIME')
local tss = string.format('%d', tonumber(t[1]) * 1000
                                + math.floor(tonumber(t[2]) / 1000))
local lo = seen

if mode == 'replace' then
    for i = 2, 5 do
        if i ~= 3 and redis.call('EXISTS', KEYS[i]) == 1 then
            redis.call('RENAME', KEYS[i], KEYS[i == 2 and 6 or i + 3])
        end
    end
    redis.call('DEL', KEYS[3])
    lo = -1
end

for i = 0, npool - 1 do
    redis.call('HSET', KEYS[3], i, ARGV[p + 1 + i])
end

for i = p + 1 + npool, #ARGV do
    local ok, r = pcall(cjson.decode, ARGV[i])
    if ok and type(r) == 'table' and type(r.rev) == 'number'
       and r.rev > lo and r.rev <= head
    then
        redis.call('HSET', KEYS[2], r.rev, ARGV[i])
    end
end

for i = 0, nabs - 1 do
    local f = 'absorbed:' .. ARGV[13 + 2 * i]
    local n = tonumber(ARGV[14 + 2 * i]) or -1
    if n > tonumber(redis.call('HGET', KEYS[1], f) or '-1') then
        redis.call('HSET', KEYS[1], f, n)
    end
end

redis.call('HSET', KEYS[4], head, ARGV[9])
redis.call('ZADD', KEYS[5], head, head)
redis.call('HSET', KEYS[1], 'head', head, 'pool_next', ARGV[10],
           'snap', head, 'hist', ARGV[7], 'updated', tss)
redis.call('HSETNX', KEYS[1], 'created', tss)
redis.call('PUBLISH', ARGV[11], '{"type":"reset","hist":'
           .. cjson.encode(ARGV[7]) .. ',"head":' .. head .. '}')

return head
