-- chat: append a chat message to a pad and publish it.
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:chat
-- ARGV[1] text   ARGV[2] author id   ARGV[3] pub/sub channel of the pad
-- ARGV[4] the time as given to the HTTP API ("": Redis's time, in ms)
-- ARGV[5] the author's name as the sender knows it ("": none)
--
-- Returns {n, time, record}; the record, stored in P{pad}:chat field n, is
--   {"type":"chat","n":N,"text":"...","authorId":"...","time":MS}
-- with "time" the string ARGV[4] when one is given (Etherpad keeps the
-- API's string); time is 0 then.  The published record is the same with
-- "userName" (the name, or null) added: never stored, as Etherpad stores
-- no display name.

local n = redis.call('HINCRBY', KEYS[1], 'chat_next', 1) - 1
local given = ARGV[4] or ''
local sender = ARGV[5] or ''
local ts = 0
local time

if given ~= '' then
    time = cjson.encode(given)
else
    local t = redis.call('TIME')
    ts = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    time = string.format('%d', ts)
end

local record = '{"type":"chat","n":' .. n
    .. ',"text":' .. cjson.encode(ARGV[1])
    .. ',"authorId":' .. cjson.encode(ARGV[2])
    .. ',"time":' .. time

local name = 'null'

if sender ~= '' then
    name = cjson.encode(sender)
end

redis.call('HSET', KEYS[2], n, record .. '}')
redis.call('PUBLISH', ARGV[3], record .. ',"userName":' .. name .. '}')

return {n, ts, record .. '}'}
