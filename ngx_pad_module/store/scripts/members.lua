-- members: a set's members, bounded: a set with more than ARGV[1]
-- members (pad_redis_list_max) is refused instead of read, so that no
-- worker ever parses and answers an unbounded reply.
--
-- KEYS[1] the set   ARGV[1] the most members read
--
-- Returns the members, or the error "TOOBIG <n> members".

local n = redis.call('SCARD', KEYS[1])

if n > tonumber(ARGV[1]) then
    return redis.error_reply('TOOBIG ' .. n .. ' members, more than '
                             .. 'pad_redis_list_max')
end

return redis.call('SMEMBERS', KEYS[1])
