-- load: what a worker needs to serve a pad, read atomically: the head,
-- the latest key snapshot at or below "upto", the whole attribute pool and
-- the revisions after the snapshot (at most "max" of them; read the rest
-- with HMGET on P{pad}:revs).
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:revs   KEYS[3] P{pad}:pool
-- KEYS[4] P{pad}:snap   KEYS[5] P{pad}:snapidx
-- ARGV[1] upto (-1: the head)   ARGV[2] max revisions
--
-- Returns {-1} when the pad does not exist, else
--   {head, chat_head, snap_rev (-1: none), snapshot JSON or "",
--    pool JSON {"numToAttrib":{...},"nextNum":N}, from, hist,
--    rec_from, ...}
-- where hist is the pad's history id ("" for pads older than it) and
-- rec_n are the revision records from "from" on.

local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '-1')

if head < 0 then
    return {-1}
end

local upto = tonumber(ARGV[1])
local max = tonumber(ARGV[2])

if upto == nil or upto < 0 or upto > head then
    upto = head
end

local snaprev = -1
local snapshot = ''
local s = redis.call('ZREVRANGEBYSCORE', KEYS[5], upto, '-inf',
                     'LIMIT', 0, 1)

if #s > 0 then
    snaprev = tonumber(s[1])
    snapshot = redis.call('HGET', KEYS[4], snaprev) or ''
    if snapshot == '' then
        snaprev = -1
    end
end

local nextnum = tonumber(redis.call('HGET', KEYS[1], 'pool_next') or '0')
local entries = {}
local all = redis.call('HGETALL', KEYS[3])

for i = 1, #all, 2 do
    entries[#entries + 1] = '"' .. all[i] .. '":' .. all[i + 1]
end

local pool = '{"numToAttrib":{' .. table.concat(entries, ',')
             .. '},"nextNum":' .. nextnum .. '}'

local chat = tonumber(redis.call('HGET', KEYS[1], 'chat_next') or '0') - 1
local from = snaprev + 1
local to = upto

if max ~= nil and to - from + 1 > max then
    to = from + max - 1
end

local reply = {head, chat, snaprev, snapshot, pool, from,
               redis.call('HGET', KEYS[1], 'hist') or ''}

if to >= from then
    local fields = {}
    for n = from, to do
        fields[#fields + 1] = n
    end
    local recs = redis.call('HMGET', KEYS[2], unpack(fields))
    for i = 1, #recs do
        reply[#reply + 1] = recs[i] or ''
    end
end

return reply
