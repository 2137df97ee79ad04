# Redis and storage directives: values nginx -t must refuse.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

run_tests();

__DATA__

=== TEST 1: port out of range
--- must_die
--- http_config
pad_redis 127.0.0.1:70000;
--- error_log
invalid port in redis address "127.0.0.1:70000"

=== TEST 2: duplicate pad_redis
--- must_die
--- http_config
pad_redis 127.0.0.1:6379;
pad_redis 127.0.0.1:6380;
--- error_log
"pad_redis" directive is duplicate

=== TEST 3: unix socket path must be absolute
--- must_die
--- http_config
pad_redis unix:redis.sock;
--- error_log
invalid redis unix socket "unix:redis.sock"

=== TEST 4: a name that does not resolve
--- must_die
--- http_config
pad_redis no-such-host.invalid:6379;
--- error_log
host not found in redis address "no-such-host.invalid:6379"

=== TEST 5: zero command timeout
--- must_die
--- http_config
pad_redis_command_timeout 0;
--- error_log
"pad_redis_command_timeout" must be 1ms..10m

=== TEST 6: snapshot interval 0
--- must_die
--- http_config
pad_snapshot_interval 0;
--- error_log
"pad_snapshot_interval" must be 1..1000000

=== TEST 7: prefix with a hash tag brace
--- must_die
--- http_config
pad_redis_prefix "a{b}:";
--- error_log
"pad_redis_prefix" must be at most 64 bytes without "{" or "}"

=== TEST 8: pad_redis only at http level
--- must_die
--- config
location /x { pad_redis 127.0.0.1:6379; }
--- error_log
"pad_redis" directive is not allowed here

=== TEST 9: database out of range
--- must_die
--- http_config
pad_redis_db 70000;
--- error_log
"pad_redis_db" must be 0..65535

=== TEST 10: backoff too small
--- must_die
--- http_config
pad_redis_backoff_max 5ms;
--- error_log
"pad_redis_backoff_max" must be 10ms..1h

=== TEST 11: pad_http twice in one location
--- must_die
--- config
location /p/ { pad_http; pad_http; }
--- error_log
"pad_http" directive is duplicate

=== TEST 12: the defaults and every directive accepted
--- http_config
pad_redis unix:/nonexistent/redis.sock;
pad_redis_connect_timeout 1s;
pad_redis_command_timeout 1s;
pad_redis_backoff_max 1s;
pad_redis_keepalive 5s;
pad_redis_db 2;
pad_redis_password secret;
pad_redis_prefix p:;
pad_snapshot_interval 10;
--- config
location /p/ { pad_http; }
--- request
GET /p/x/export/txt
--- error_code: 503
--- response_body_like: ^pad storage unavailable: redis unavailable: connect failed \(No such file or directory\)
--- error_log
pad export: "x": redis unavailable: connect failed (No such file or directory)

=== TEST 13: a host name is resolved when the configuration is read
--- http_config
pad_redis localhost:1;
--- config
location /p/ { pad_http; }
--- request
GET /p/x/export/txt
--- error_code: 503
--- response_body_like: ^pad storage unavailable: redis unavailable: connect failed \(Connection refused\)
--- error_log
pad export: "x": redis unavailable: connect failed (Connection refused)
