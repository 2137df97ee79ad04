-- public: a pad's public status (P{pad}:meta field "public" = 1; absent:
-- not public), read or written only if the pad exists.
--
-- KEYS[1] P{pad}:meta   ARGV[1] "get", "1" (public) or "0" (not)
--
-- Returns -1 when there is no such pad, else the status (1 or 0).

if redis.call('HEXISTS', KEYS[1], 'head') == 0 then
    return -1
end

if ARGV[1] == '1' then
    redis.call('HSET', KEYS[1], 'public', '1')
elseif ARGV[1] == '0' then
    redis.call('HDEL', KEYS[1], 'public')
end

if redis.call('HGET', KEYS[1], 'public') == '1' then
    return 1
end

return 0
