-- chat: append a chat message to a pad and publish it.
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:chat
-- ARGV[1] text   ARGV[2] author id   ARGV[3] pub/sub channel of the pad
--
-- Returns {n, time, record}; the record, stored in P{pad}:chat field n and
-- published, is
--   {"type":"chat","n":N,"text":"...","authorId":"...","time":MS}

local n = redis.call('HINCRBY', KEYS[1], 'chat_next', 1) - 1
local t = redis.call('TIME')
local ts = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local record = '{"type":"chat","n":' .. n
    .. ',"text":' .. cjson.encode(ARGV[1])
    .. ',"authorId":' .. cjson.encode(ARGV[2])
    .. ',"time":' .. string.format('%d', ts) .. '}'

redis.call('HSET', KEYS[2], n, record)
redis.call('PUBLISH', ARGV[3], record)

return {n, ts, record}
