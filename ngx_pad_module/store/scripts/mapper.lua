-- mapper: a mapper's id (Pmapper2group:<mapper>, Pmapper2author:<mapper>)
-- changed only if it is still the one the caller saw: one group or author
-- per mapper even when several workers create one at once.
--
-- KEYS[1] the mapper key
-- ARGV[1] the new id ("": delete the mapping)
-- ARGV[2] the id the caller saw ("": none)
--
-- Returns {id now ("" none), 1 if changed now else 0}.

local v = redis.call('GET', KEYS[1]) or ''

if v ~= ARGV[2] then
    return {v, 0}
end

if ARGV[1] == '' then
    redis.call('DEL', KEYS[1])
else
    redis.call('SET', KEYS[1], ARGV[1])
end

return {ARGV[1], 1}
