-- copyread: one bounded batch of a pad's records for copyPad, movePad and
-- copyPadWithoutHistory (the source side; the writes are copy.lua's in
-- the destination's slot).  Read only.
--
-- KEYS[1] P{pad}:meta   KEYS[2] the hash read (P{pad}:revs, :chat, :snap,
-- :saved)   KEYS[3] P{pad}:snapidx
-- ARGV[1] the history id the copy started from ("" for pads older than it)
-- ARGV[2] kind: "range" (fields from..to), "snap" (the snapshots from
--         revision "from" to "to"), "scan" (HSCAN from cursor "from"),
--         "meta" (public, created)
-- ARGV[3] from   ARGV[4] to   ARGV[5] bytes: stop after this many (at
--         least one record is returned)
--
-- Returns {-1} when the pad is gone or is another history now, else
-- {next, n1, v1, n2, v2, ...}: where to go on (-1: done).

local m = redis.call('HMGET', KEYS[1], 'head', 'hist', 'public', 'created')

if m[1] == false or (m[2] or '') ~= ARGV[1] then
    return {-1}
end

local kind = ARGV[2]
local from = tonumber(ARGV[3]) or 0
local to = tonumber(ARGV[4]) or -1
local max = tonumber(ARGV[5]) or 1048576
local reply = {-1}
local bytes = 0

if kind == 'meta' then
    reply[#reply + 1] = 'public'
    reply[#reply + 1] = m[3] or ''
    reply[#reply + 1] = 'created'
    reply[#reply + 1] = m[4] or ''
    return reply
end

if kind == 'scan' then
    local s = redis.call('HSCAN', KEYS[2], from, 'COUNT', 100)
    if s[1] ~= '0' then
        reply[1] = tonumber(s[1])
    end
    for i = 1, #s[2] do
        reply[#reply + 1] = s[2][i]
    end
    return reply
end

local list = {}

if kind == 'snap' then
    list = redis.call('ZRANGEBYSCORE', KEYS[3], from, to, 'LIMIT', 0, 100)
else
    for n = from, math.min(to, from + 99) do
        list[#list + 1] = n
    end
end

for i = 1, #list do
    local n = tonumber(list[i])
    local v = redis.call('HGET', KEYS[2], n)
    if v then
        reply[#reply + 1] = tostring(n)
        reply[#reply + 1] = v
        bytes = bytes + #v
    end
    if n < to and (bytes >= max or i == #list) then
        reply[1] = n + 1
        break
    end
end

return reply
