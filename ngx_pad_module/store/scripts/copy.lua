-- copy: writes a copy of a pad into its destination's slot, in bounded
-- steps (copyPad, movePad, copyPadWithoutHistory).  Everything goes into
-- staging keys P{dst}:copy:<token>:* first; only "commit" moves them into
-- place and writes the meta's head, which makes the pad exist.  A crash
-- in between leaves the staging keys and the meta field copying:<token>:
-- no reader looks at them, and the next copy to the destination deletes
-- them ("begin").
--
-- KEYS[1] P{dst}:meta
-- KEYS[2..7]  P{dst}:revs, :pool, :snap, :snapidx, :chat, :saved
-- KEYS[8..13] P{dst}:copy:<token>:revs, ...:pool, ...:snap, ...:snapidx,
--             ...:chat, ...:saved
-- ARGV[1] mode: "begin", "put", "rev", "commit", "abort"
-- ARGV[2] token   ARGV[3] P{dst}:copy: (begin: other tokens' keys)
-- put:    ARGV[4] kind (1 revs .. 6 saved), ARGV[5..] field, value, ...
--         (a snapshot also goes into the staging snapidx)
-- rev:    ARGV[4] n, ARGV[5] changeset, ARGV[6] author, ARGV[7] the
--         pool entries it introduces ('"0":["author","a.x"],...' or "");
--         a revision record stamped with Redis's TIME
-- commit: ARGV[4..] meta field, value, ... (head last)
--
-- Returns {1}, or {0} when the destination exists now or the copy was
-- taken over by another one (its copying:<token> field is gone).

local mode = ARGV[1]
local field = 'copying:' .. ARGV[2]
local suffix = {'revs', 'pool', 'snap', 'snapidx', 'chat', 'saved'}
local t = redis.call('TIME')
local tss = string.format('%d', tonumber(t[1]) * 1000
                                + math.floor(tonumber(t[2]) / 1000))

if mode == 'abort' then
    redis.call('DEL', unpack(KEYS, 8, 13))
    redis.call('HDEL', KEYS[1], field)
    return {1}
end

if redis.call('HEXISTS', KEYS[1], 'head') == 1 then
    return {0}
end

if mode == 'begin' then
    local m = redis.call('HKEYS', KEYS[1])
    for i = 1, #m do
        if string.sub(m[i], 1, 8) == 'copying:' then
            for j = 1, #suffix do
                redis.call('DEL', ARGV[3] .. string.sub(m[i], 9) .. ':'
                                  .. suffix[j])
            end
            redis.call('HDEL', KEYS[1], m[i])
        end
    end
    redis.call('DEL', unpack(KEYS, 8, 13))
    redis.call('HSET', KEYS[1], field, tss)
    return {1}
end

if redis.call('HEXISTS', KEYS[1], field) == 0 then
    return {0}
end

if mode == 'put' then
    local k = tonumber(ARGV[4])
    if #ARGV < 6 then
        return {1}
    end
    redis.call('HSET', KEYS[7 + k], unpack(ARGV, 5))
    if k == 3 then
        for i = 5, #ARGV, 2 do
            redis.call('ZADD', KEYS[11], ARGV[i], ARGV[i])
        end
    end
    return {1}
end

if mode == 'rev' then
    local record = '{"type":"rev","rev":' .. ARGV[4] .. ',"cs":'
                   .. cjson.encode(ARGV[5]) .. ',"author":'
                   .. cjson.encode(ARGV[6]) .. ',"ts":' .. tss
                   .. ',"pool":{' .. ARGV[7] .. '}}'
    redis.call('HSET', KEYS[8], ARGV[4], record)
    return {1}
end

-- commit
for i = 2, 7 do
    redis.call('DEL', KEYS[i])
    if redis.call('EXISTS', KEYS[i + 6]) == 1 then
        redis.call('RENAME', KEYS[i + 6], KEYS[i])
    end
end

redis.call('HDEL', KEYS[1], field)
redis.call('HSET', KEYS[1], 'created', tss, 'updated', tss)
redis.call('HSET', KEYS[1], unpack(ARGV, 4))

return {1}
