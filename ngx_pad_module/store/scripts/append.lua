-- append: store revisions base+1..base+k of a pad (k >= 1; more than one:
-- group commit) in one atomic step if its head is still base (-1: create
-- the pad with revision 0), with the attribute pool entries the first one
-- introduces, and publish each of them (one message per revision, so
-- subscribers still detect gaps by revision number).
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:revs   KEYS[3] P{pad}:pool
-- ARGV[1] base: the head the first changeset was rebased on, as "base"
--         or "base:hist" (then only if the pad's history id is hist: a
--         worker whose copy is of another history never appends to it)
-- ARGV[2] pub/sub channel of the pad
-- ARGV[3] number of the first new pool entry (the pool's nextNum as the
--         writer knows it)
-- ARGV[4] npool: new pool entries, all used from the first revision on
-- ARGV[5..4+npool] the entries in number order, each ["key","value"]
-- then k pairs: changeset (pad-pool numbers), author ("" for none),
-- revision base+1 first
--
-- Returns {1, base+1, ts, record1, ..., recordk} when stored, {0, head,
-- record base+1, ..., record min(head, base+100)} when the head moved
-- (conflict: the writer catches up with the records returned, rebases and
-- retries without a further round trip; a longer gap is read with HMGET)
-- and nothing is written, {3, head, hist} when the pad is of another
-- history than "base:hist" says.  A record is the JSON stored in
-- P{pad}:revs and published:
--   {"type":"rev","rev":N,"cs":"...","author":"...","ts":MS,
--    "pool":{"NUM":["key","value"],...}}

local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '-1')
local bs, hist = string.match(ARGV[1], '^(-?%d+):(.*)$')
local base = tonumber(bs or ARGV[1])

if hist and head >= 0 then
    local stored = redis.call('HGET', KEYS[1], 'hist') or ''
    if stored ~= hist then
        return {3, head, stored}
    end
end

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

if tonumber(ARGV[3]) ~= nextnum then
    return redis.error_reply('ERR pad pool out of date: next entry is '
                             .. nextnum .. ', writer has ' .. ARGV[3])
end

local npool = tonumber(ARGV[4])
local first = 5 + npool
local k = (#ARGV - first + 1) / 2

if npool == nil or npool < 0 or k < 1 or k ~= math.floor(k) then
    return redis.error_reply('ERR bad append arguments')
end

local pool = {}

for i = 5, first - 1 do
    local ok, a = pcall(cjson.decode, ARGV[i])
    if not ok or type(a) ~= 'table' or #a ~= 2
       or type(a[1]) ~= 'string' or type(a[2]) ~= 'string'
    then
        return redis.error_reply('ERR bad pool entry: ' .. ARGV[i])
    end
    pool[#pool + 1] = '"' .. (nextnum + i - 5) .. '":' .. ARGV[i]
end

local t = redis.call('TIME')
local ts = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tss = string.format('%d', ts)

for i = 5, first - 1 do
    redis.call('HSET', KEYS[3], nextnum + i - 5, ARGV[i])
end

local reply = {1, head + 1, ts}

for j = 0, k - 1 do
    local rev = head + 1 + j
    local record = '{"type":"rev","rev":' .. rev
        .. ',"cs":' .. cjson.encode(ARGV[first + 2 * j])
        .. ',"author":' .. cjson.encode(ARGV[first + 2 * j + 1])
        .. ',"ts":' .. tss
        .. ',"pool":{' .. (j == 0 and table.concat(pool, ',') or '') .. '}}'
    redis.call('HSET', KEYS[2], rev, record)
    redis.call('PUBLISH', ARGV[2], record)
    reply[#reply + 1] = record
end

redis.call('HSET', KEYS[1], 'head', head + k, 'pool_next', nextnum + npool,
           'updated', tss)

if head + 1 == 0 then
    redis.call('HSET', KEYS[1], 'created', tss)
end

return reply
