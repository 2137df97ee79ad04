-- head: what a worker compares its copy of a pad with (after a
-- resubscribe, a restore, an append that failed or found another
-- history, a lost-data notice).
--
-- KEYS[1] P{pad}:meta   KEYS[2] P{pad}:revs
-- ARGV[1] the worker's head (-1: none)   ARGV[2] the worker's history id
--
-- Returns {head (-1: no pad), chat_next, hist, the record at the
-- worker's head or "", the record at the stored head or "", absorbed}
-- where absorbed is the highest revision of the worker's history that
-- a merge took into this one (-1: none), deleted (1: the worker's
-- history was deleted by deletePad, delete.lua: drop the copy).

local m = redis.call('HMGET', KEYS[1], 'head', 'chat_next', 'hist',
                     'absorbed:' .. ARGV[2], 'deleted:' .. ARGV[2])
local head = tonumber(m[1] or '-1')
local deleted = m[5] and 1 or 0

if head < 0 then
    return {-1, 0, '', '', '', -1, deleted}
end

local mine = tonumber(ARGV[1]) or -1
local at = ''

if mine >= 0 and mine <= head then
    at = redis.call('HGET', KEYS[2], mine) or ''
end

return {head, tonumber(m[2] or '0'), m[3] or '', at,
        redis.call('HGET', KEYS[2], head) or '', tonumber(m[4] or '-1'),
        deleted}
