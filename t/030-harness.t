# The harness itself, against plain nginx (no module directives): the
# data-driven sections, the error-log checks, the HTTP and WebSocket
# clients' framing, start/reload/stop and redis.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

no_load_module();

run_tests();

# --- imperative helpers ---------------------------------------------------

my $ng = start_nginx(workers => 2, ssl => 1, load_module => 0, quiet => 1,
                     config => <<'C');
location = /hello { return 200 "hello $request_method"; }
location = /chunked { echo_dummy_off; }
C
ok(!$ng, 'an unknown directive stops nginx from starting');

$ng = start_nginx(workers => 2, ssl => 1, load_module => 0, config => <<'C');
location = /hello { return 200 "hello $request_method $content_length"; }
location = /ws { return 101; }
C
ok($ng, 'nginx started') or die "cannot start nginx\n";
is(scalar(my @w = $ng->worker_pids), 2, 'two workers');

my $r = http_get($ng, '/hello');
is($r->{status}, 200, 'GET status');
is($r->{body}, 'hello GET ', 'GET body');
$r = http_post($ng, '/hello', 'abc');
is($r->{body}, 'hello POST 3', 'POST body and content length');
$r = http_get($ng, '/hello', ssl => 1);
is($r->{body}, 'hello GET ', 'GET over TLS');

# a request started now and read later
my $h = http_start($ng, uri => '/hello');
$r = $h->finish;
is($r->{status}, 200, 'deferred read');

# the WebSocket client against a non-WebSocket location: a clean 404
my $ws = ws_connect($ng, '/nowhere');
is($ws->status, 404, 'ws_connect reports the refusal status');
like($ws->body, qr/404/, 'and the body');

# frame codec round trip through our own parser
for my $len (0, 125, 126, 65535, 65536) {
    my $p = 'x' x $len;
    my $bytes = ws_frame(opcode => 2, payload => $p, mask => 1);
    my $fake = bless { buf => $bytes, eof => 1 }, 'Test::Pad::WebSocket';
    my $f = $fake->_parse;
    ok($f && $f->{length} == $len && $f->{payload} eq $p && $f->{masked}
       && $f->{opcode} == 2 && $f->{fin},
       "frame codec round trip, length $len");
    my $hl = $len > 65535 ? 14 : $len > 125 ? 8 : 6;
    is($f->{header_length}, $hl, "header length for $len");
}
{
    my $bytes = ws_frame(opcode => 8, payload => pack('n', 1002) . 'bye',
                         mask => 0, fin => 1, rsv => 5);
    my $fake = bless { buf => $bytes, eof => 1 }, 'Test::Pad::WebSocket';
    my $f = $fake->_parse;
    is_deeply([@$f{qw(opcode code reason rsv masked)}], [8, 1002, 'bye', 5, 0],
              'close frame fields');
    is(ws_accept('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
       'RFC 6455 sample accept value');
}

# error-log checks catch an [alert]/[emerg] line
{
    open my $fh, '>>', $ng->error_log_path or die;
    print $fh "2026/01/01 00:00:00 [alert] 1#1: planted by the test\n";
    close $fh;
    my $log = $ng->log_since($ng->{checked});
    like($log, $Test::Pad::BAD_LOG, 'a planted [alert] line is recognised');
    $ng->{checked} = $ng->log_mark;    # do not fail the file on purpose
}

my @old = $ng->reload;
ok($ng->wait_exit(\@old, 5), 'old workers exited');
my @new = $ng->worker_pids;
is(scalar @new, 2, 'two workers after reload');
ok(!grep({ my $o = $_; grep { $_ == $o } @new } @old),
   'reload replaced the workers');
ok($ng->stop, 'nginx stopped on QUIT');
ok(!grep({ kill 0, $_ } @new), 'no worker left behind');

my $redis = start_redis();
ok($redis, 'redis started');
my $c = $redis->client;
$c->set(k => 'v');
is($c->get('k'), 'v', 'redis set/get');
my $rpid = $redis->{pid};
ok($rpid, 'redis pid known');
$redis->stop;
ok(!kill(0, $rpid), 'redis stopped');

__DATA__

=== TEST 1: request and response_body
--- config
location = /t { return 200 "ok"; }
--- request
GET /t
--- error_code: 200
--- response_body chomp
ok
--- no_error_log
[error]

=== TEST 2: more_headers, response_headers, body_like
--- config
location = /t { add_header X-Got $http_x_foo; return 200 "got $http_x_foo"; }
--- request
GET /t
--- more_headers
X-Foo: bar
--- response_headers
X-Got: bar
!X-Missing
--- response_body_like: ^got bar$

=== TEST 3: POST body
--- config
location = /t { return 200 "len=$content_length"; }
--- request
POST /t
hello
--- chomp_body: 1
--- response_body chomp
len=5

=== TEST 4: error_log and 404
--- config
location = /t { return 200 "ok"; }
--- request
GET /nope
--- error_code: 404
--- error_log
open()
--- no_error_log eval
qr/\[crit\]/

=== TEST 5: raw_request in pieces
--- config
location = /t { return 200 "ok"; }
--- raw_request eval
["GET /t HTTP/1.1\r\nHo", "st: x\r\nConnection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.1
--- response_body chomp
ok

=== TEST 6: two workers, TLS
--- workers: 2
--- ssl: 1
--- config
location = /t { return 200 "tls $https"; }
--- request
GET /t
--- response_body chomp
tls on

=== TEST 7: must_die
--- must_die
--- config
location = /t { no_such_directive; }
--- error_log
unknown directive "no_such_directive"

=== TEST 8: grep_error_log
--- config
location = /t { return 404; }
--- request
GET /t
--- error_code: 404
--- grep_error_log eval
qr/http finalize request: 404, "\/t\?"/
--- grep_error_log_out
http finalize request: 404, "/t?"
