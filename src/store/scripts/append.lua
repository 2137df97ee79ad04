-- append: store revision base+1 of a pad if its head is still base, with
-- the attribute pool entries it introduces, and publish it.
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:revs   KEYS[3] P{pad}:pool
-- ARGV[1] base: the head the changeset was rebased on (-1: create the pad)
-- ARGV[2] changeset (pad-pool attribute numbers)
-- ARGV[3] author id ("" for none)
-- ARGV[4] pub/sub channel of the pad
-- ARGV[5] number of the first new pool entry (the pool's nextNum as the
--         writer knows it)
-- ARGV[6..] new pool entries in number order, each ["key","value"] JSON
--
-- Returns {1, rev, ts, record} when stored, {0, head, record base+1, ...,
-- record min(head, base+100)} when the head moved (conflict: the writer
-- catches up with the records returned, rebases and retries without a
-- further round trip; a longer gap is read with the revs script).  The record is the JSON stored in
-- P{pad}:revs and published:
--   {"type":"rev","rev":N,"cs":"...","author":"...","ts":MS,
--    "pool":{"NUM":["key","value"],...}}

local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '-1')
local base = tonumber(ARGV[1])

if base == nil or base ~= head then
    local reply = {0, head}
    if base ~= nil and base >= -1 and base < head then
        local fields = {}
        for r = base + 1, math.min(head, base + 100) do
            fields[#fields + 1] = r
        end
        local recs = redis.call('HMGET', KEYS[2], unpack(fields))
        for i = 1, #recs do
            reply[#reply + 1] = recs[i] or ''
        end
    end
    return reply
end

local nextnum = tonumber(redis.call('HGET', KEYS[1], 'pool_next') or '0')

if tonumber(ARGV[5]) ~= nextnum then
    return redis.error_reply('ERR pad pool out of date: next entry is '
                             .. nextnum .. ', writer has ' .. ARGV[5])
end

local pool = {}

for i = 6, #ARGV do
    local ok, a = pcall(cjson.decode, ARGV[i])
    if not ok or type(a) ~= 'table' or #a ~= 2
       or type(a[1]) ~= 'string' or type(a[2]) ~= 'string'
    then
        return redis.error_reply('ERR bad pool entry: ' .. ARGV[i])
    end
    pool[#pool + 1] = '"' .. (nextnum + i - 6) .. '":' .. ARGV[i]
end

local t = redis.call('TIME')
local ts = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rev = head + 1

local record = '{"type":"rev","rev":' .. rev
    .. ',"cs":' .. cjson.encode(ARGV[2])
    .. ',"author":' .. cjson.encode(ARGV[3])
    .. ',"ts":' .. string.format('%d', ts)
    .. ',"pool":{' .. table.concat(pool, ',') .. '}}'

for i = 6, #ARGV do
    redis.call('HSET', KEYS[3], nextnum + i - 6, ARGV[i])
end

redis.call('HSET', KEYS[2], rev, record)
redis.call('HSET', KEYS[1], 'head', rev, 'pool_next', nextnum + #ARGV - 5,
           'updated', string.format('%d', ts))

if rev == 0 then
    redis.call('HSET', KEYS[1], 'created', string.format('%d', ts))
end

redis.call('PUBLISH', ARGV[4], record)

return {1, rev, ts, record}
