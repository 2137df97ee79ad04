-- create: revision 0 of a new pad, unless the pad exists or Redis's data
-- set is younger than the grace period (then a worker that still holds
-- the pad after Redis lost it may not have written it back yet).
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:revs   KEYS[3] Pepoch
-- KEYS[4] P{pad}:pool
-- ARGV[1] pub/sub channel of the pad
-- ARGV[2] changeset of revision 0 (no attributes)
-- ARGV[3] the new pad's history id
-- ARGV[4] grace (ms)
-- ARGV[5] an epoch id, written when Redis has none
-- ARGV[6] the author of revision 0 ("" or absent: none)
-- ARGV[7] pool entry 0, ["author","a.X"] (absent: an empty pool)
--
-- The fields deleted:<hist> of a deleted pad's meta (delete.lua) stay.
--
-- Returns {1, 0, ts, record} when created, {0, head} when the pad exists,
-- {2, wait} (ms) when it may not be created yet.

local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '-1')

if head >= 0 then
    return {0, head}
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tss = string.format('%d', now)
local grace = tonumber(ARGV[4]) or 0
local created = tonumber(redis.call('HGET', KEYS[3], 'created') or '')

if created == nil then
    -- no marker: a new or an emptied data set, the grace starts now
    redis.call('HSET', KEYS[3], 'id', ARGV[5], 'created', tss)
    created = now
end

if now < created + grace then
    return {2, created + grace - now}
end

local author = ARGV[6] or ''
local pool = ''
local pool_next = 0

if ARGV[7] and ARGV[7] ~= '' then
    pool = '"0":' .. ARGV[7]
    pool_next = 1
    redis.call('DEL', KEYS[4])
    redis.call('HSET', KEYS[4], 0, ARGV[7])
end

local record = '{"type":"rev","rev":0,"cs":' .. cjson.encode(ARGV[2])
               .. ',"author":' .. cjson.encode(author) .. ',"ts":' .. tss
               .. ',"pool":{' .. pool .. '}}'

redis.call('HSET', KEYS[2], 0, record)
redis.call('PUBLISH', ARGV[1], record)
redis.call('HSET', KEYS[1], 'head', 0, 'pool_next', pool_next,
           'hist', ARGV[3], 'created', tss, 'updated', tss)

return {1, 0, now, record}
