-- getset: the value of a string key, set to ARGV[1] first if it has none
-- (one author per token, one read-only id per pad, even when several
-- workers ask at once).
--
-- KEYS[1] the key   ARGV[1] the value to set when absent
--
-- Returns {value, 1 if it was set now else 0}.

local v = redis.call('GET', KEYS[1])

if v then
    return {v, 0}
end

redis.call('SET', KEYS[1], ARGV[1])

return {ARGV[1], 1}
