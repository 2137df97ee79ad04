-- mark: sets a field of a hash only if the hash exists (a group's or an
-- author's "sessions" flag: it has had sessions), so that a record deleted
-- meanwhile is not brought back as a stub.
--
-- KEYS[1] the hash   ARGV[1] the field   ARGV[2] the value
--
-- Returns 1 when set, 0 when the hash does not exist.

if redis.call('EXISTS', KEYS[1]) == 0 then
    return 0
end

redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])

return 1
