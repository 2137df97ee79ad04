# pad_redis_cluster: what nginx -t refuses (with pad_redis or
# pad_redis_sentinel, with a
# database, a seed without a port or address, duplicates, too many
# seeds), and a valid configuration.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

run_tests();

__DATA__

=== TEST 1: pad_redis then pad_redis_cluster
--- must_die
--- http_config
pad_redis 127.0.0.1:6379;
pad_redis_cluster 127.0.0.1:7000;
--- error_log
"pad_redis_cluster" directive excludes "pad_redis"

=== TEST 2: pad_redis_cluster then pad_redis
--- must_die
--- http_config
pad_redis_cluster 127.0.0.1:7000;
pad_redis 127.0.0.1:6379;
--- error_log
"pad_redis" directive excludes "pad_redis_cluster"

=== TEST 2b: pad_redis_cluster with pad_redis_sentinel
--- must_die
--- http_config
pad_redis_cluster 127.0.0.1:7000;
pad_redis_sentinel mymaster 127.0.0.1:26379;
--- error_log
"pad_redis_cluster" and "pad_redis_sentinel" exclude each other

=== TEST 3: a database other than 0
--- must_die
--- http_config
pad_redis_cluster 127.0.0.1:7000 127.0.0.1:7001;
pad_redis_db 2;
--- error_log
"pad_redis_db" cannot be used with "pad_redis_cluster"

=== TEST 4: a seed without a port
--- must_die
--- http_config
pad_redis_cluster 127.0.0.1;
--- error_log
no port in cluster seed "127.0.0.1"

=== TEST 5: a seed that does not resolve
--- must_die
--- http_config
pad_redis_cluster no-such-host.invalid:7000;
--- error_log
host not found in cluster seed "no-such-host.invalid:7000"

=== TEST 6: duplicate
--- must_die
--- http_config
pad_redis_cluster 127.0.0.1:7000;
pad_redis_cluster 127.0.0.1:7001;
--- error_log
"pad_redis_cluster" directive is duplicate

=== TEST 7: more than 16 seeds
--- must_die
--- http_config
pad_redis_cluster 127.0.0.1:7000 127.0.0.1:7001 127.0.0.1:7002 127.0.0.1:7003 127.0.0.1:7004 127.0.0.1:7005 127.0.0.1:7006 127.0.0.1:7007 127.0.0.1:7008 127.0.0.1:7009 127.0.0.1:7010 127.0.0.1:7011 127.0.0.1:7012 127.0.0.1:7013 127.0.0.1:7014 127.0.0.1:7015 127.0.0.1:7016;
--- error_log
"pad_redis_cluster" directive takes at most 16 seeds

=== TEST 8: a valid configuration
--- http_config
pad_redis_cluster 127.0.0.1:7000 localhost:7001;
pad_redis_cluster_refresh 5s;
pad_redis_cluster_max_nodes 8;
--- config
location /p/ { pad_http; }
--- request
GET /nothing
--- error_code: 404
