-- delete: removes a pad (deletePad), every key of its slot in one step,
-- and leaves a tombstone in its meta: the field deleted:<hist> (the time,
-- ms) tells a worker that still holds a copy of that history (head.lua)
-- to drop it instead of writing it back as after Redis lost data.  The
-- tombstones of earlier deletions stay; a pad created anew has another
-- history id.  Publishes {"type":"deleted","hist":...} on the channel.
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:revs    KEYS[3] P{pad}:pool
-- KEYS[4] P{pad}:snap   KEYS[5] P{pad}:snapidx KEYS[6] P{pad}:chat
-- KEYS[7] P{pad}:ro     KEYS[8] P{pad}:conn    KEYS[9] P{pad}:saved
-- ARGV[1] pub/sub channel of the pad
--
-- Returns {0} when there is no such pad, {1, read-only id or "", author,
-- ...} when it was deleted: the authors are those of the pool (the caller
-- removes the cross-slot entries: Pro:<id>, Ppads, the group's set, the
-- pad in each author's Pauthor:<a>:pads, as AuthorManager.removePad).

local m = redis.call('HGETALL', KEYS[1])
local head, hist
local keep = {}

for i = 1, #m, 2 do
    if m[i] == 'head' then
        head = m[i + 1]
    elseif m[i] == 'hist' then
        hist = m[i + 1]
    elseif string.sub(m[i], 1, 8) == 'deleted:' then
        keep[#keep + 1] = m[i]
        keep[#keep + 1] = m[i + 1]
    end
end

if head == nil then
    return {0}
end

local ro = redis.call('GET', KEYS[7]) or ''
local out = {1, ro}

for _, v in ipairs(redis.call('HVALS', KEYS[3])) do
    local ok, e = pcall(cjson.decode, v)
    if ok and type(e) == 'table' and e[1] == 'author'
       and type(e[2]) == 'string' and e[2] ~= '' then
        out[#out + 1] = e[2]
    end
end
local t = redis.call('TIME')
local tss = string.format('%d', tonumber(t[1]) * 1000
                                + math.floor(tonumber(t[2]) / 1000))

redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6],
           KEYS[7], KEYS[8], KEYS[9])

keep[#keep + 1] = 'deleted:' .. (hist or '')
keep[#keep + 1] = tss
redis.call('HSET', KEYS[1], unpack(keep))

redis.call('PUBLISH', ARGV[1], '{"type":"deleted","hist":'
                               .. cjson.encode(hist or '') .. '}')

return out
