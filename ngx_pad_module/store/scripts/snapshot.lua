-- snapshot: store the pad's AText after revision rev (a key snapshot), so
-- that loading the pad reads it plus the revisions after it.  Idempotent:
-- an existing snapshot of rev is kept.
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:snap   KEYS[3] P{pad}:snapidx
-- ARGV[1] rev
-- ARGV[2] {"rev":N,"text":"...","attribs":"..."} JSON
-- ARGV[3] (optional) the history id the AText is of ("" none): when the
--         pad's is another (deleted and created anew since it was read),
--         nothing is stored
--
-- Returns 1 when stored, 0 when it existed already (or is of another
-- history).

local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '-1')
local rev = tonumber(ARGV[1])

if rev == nil or rev < 0 or rev > head then
    return redis.error_reply('ERR snapshot of revision ' .. ARGV[1]
                             .. ' but head is ' .. head)
end

if ARGV[3] ~= nil
   and (redis.call('HGET', KEYS[1], 'hist') or '') ~= ARGV[3] then
    return 0
end

if redis.call('HSETNX', KEYS[2], rev, ARGV[2]) == 0 then
    return 0
end

redis.call('ZADD', KEYS[3], rev, rev)

local snap = tonumber(redis.call('HGET', KEYS[1], 'snap') or '-1')

if rev > snap then
    redis.call('HSET', KEYS[1], 'snap', rev)
end

return 1
