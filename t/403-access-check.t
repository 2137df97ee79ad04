# pad_access_check: the site's per-pad check, served here by a location
# of the same nginx (and, for garbage, by a bare TCP server): 2xx allow,
# 2xx with X-Pad-Access: readonly read-only, 401/403 deny, anything else,
# a timeout, a header too large or garbage deny (fail closed, logged at
# warn); the check gets the pad id, the client's Cookie header, the
# author token, the client's address and the kind; exports ask it too.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_send);
use Test::Pad::Access;
use IO::Socket::INET;

my $deny = '42["message",{"accessStatus":"deny"}]';

# a port that accepts (the kernel's backlog) and never answers
my $silent = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Listen => 5, Proto => 'tcp') or die $!;
my $silent_port = $silent->sockport;

my $redis = start_redis() or die("redis-server did not start\n");
my $big = 'x' x 600;
my $ng = engine_nginx(redis_port => $redis->port,
    http => "pad_access_check http://127.0.0.1:\$TEST_PAD_PORT/check?site=1;\n"
          . "pad_access_check_timeout 500ms;\n"
          . "pad_access_check_max_response 512;\n"
          . "log_format chk '\$arg_pad|\$arg_site|\$http_x_pad_id|"
          . "\$http_x_pad_token|\$http_x_pad_client_addr|\$http_x_pad_kind|"
          . "\$http_x_pad_read_only|\$http_cookie';\n",
    server => <<"EOC") or die("nginx did not start\n");
location = /check {
    access_log \$TEST_PAD_PREFIX/logs/check.log chk;
    if (\$http_cookie ~ "sso=no") { return 403; }
    if (\$http_cookie ~ "ro=1") { add_header X-Pad-Access readonly; return 200; }
    if (\$arg_pad = "deny403") { return 403; }
    if (\$arg_pad = "unauth403") { return 401; }
    if (\$arg_pad = "boom403") { return 500; }
    if (\$arg_pad = "redir403") { return 302 /elsewhere; }
    if (\$arg_pad = "big403") { add_header X-Big $big; return 204; }
    if (\$arg_pad = "slow403") { rewrite ^ /slow last; }
    return 204;
}
location = /slow { proxy_pass http://127.0.0.1:$silent_port; proxy_read_timeout 5s; }
EOC

my $c = ws_ready($ng, 'allow403', cookie => 'sso=yes; a=b');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', '204: allowed');
ok($c->{m} && !$c->{m}{data}{readonly}, '... read-write');
$c->{ws}->close if $c->{ws};

$c = ws_ready($ng, 'ro403', cookie => 'ro=1');
is($c->{raw}, $deny, 'X-Pad-Access: readonly on a pad that does not exist: '
   . 'denied (read-only cannot create, as Etherpad)');
$c = ws_ready($ng, 'ro403');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'created read-write');
$c->{ws}->close;
$c = ws_ready($ng, 'ro403', cookie => 'ro=1');
ok($c->{m} && $c->{m}{data} && $c->{m}{data}{readonly},
   'X-Pad-Access: readonly: read-only');
is($c->{m} && $c->{m}{data}{padId}, 'ro403', '... on the pad as asked');
pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
    data => { type => 'USER_CHANGES', baseRev => 0,
              changeset => 'Z:2>1+1$y', apool => {} } }, 4);
my ($m) = pad_recv_until($c->{ws}, sub { defined $_[0]{ack} }, 3);
like($m && $m->{args}[0]{message}, qr/read-only/, '... writes refused');
$c->{ws}->close;

for my $t (['deny403', '403'], ['unauth403', '401'],
           ['allow403', 'a Cookie the check refuses', 'sso=no'])
{
    $c = ws_ready($ng, $t->[0], (defined $t->[2] ? (cookie => $t->[2]) : ()));
    is($c->{raw}, $deny, "$t->[1]: denied");
}

for my $t (['boom403', qr/status 500, denied \(fail closed\)/],
           ['redir403', qr/status 302, denied \(fail closed\)/],
           ['big403', qr/response header too large/],
           ['slow403', qr/timed out \(pad_access_check_timeout\)/])
{
    my $t0 = time;
    $c = ws_ready($ng, $t->[0]);
    is($c->{raw}, $deny, "$t->[0]: denied (fail closed)");
    ok($ng->wait_log(qr/\[warn\].*access check of "$t->[0]": .*$t->[1]/),
       "... logged at warn");
    ok(time - $t0 < 3, '... in time') if $t->[0] eq 'slow403';
}

is(rcli($redis, 'HEXISTS', 'ngxpad:{deny403}:meta', 'head'), 0,
   'a denied pad was not created');

# what the check got
my $tk = tok();
$c = ws_ready($ng, "a b&c/\x{e9}", token => $tk, cookie => 'sso=yes; k=v');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'a pad id that needs escaping');
$c->{ws}->close if $c->{ws};
my $log = Test::Pad::Nginx::_slurp($ng->{prefix} . '/logs/check.log');
like($log, qr/^a_b%26c%2F%C3%A9\|1\|a_b%26c%2F%C3%A9\|\Q$tk\E\|127\.0\.0\.1\|socket\|-\|sso=yes; k=v$/m,
     'the check got the pad (escaped, sanitized), its own query, the token, '
     . 'the address, the kind and the Cookie header');

# a read-only id
$c = ws_ready($ng, 'allow403');
$c->{ws}->close if $c->{ws};
my $ro = rcli($redis, 'GET', 'ngxpad:{allow403}:ro');
$c = ws_ready($ng, $ro);
ok($c->{m} && $c->{m}{data}{readonly}, 'a read-only id, allowed: read-only');
$c->{ws}->close if $c->{ws};
$log = Test::Pad::Nginx::_slurp($ng->{prefix} . '/logs/check.log');
like($log, qr/^allow403\|1\|allow403\|[^|]*\|[^|]*\|socket\|1\|/m,
     '... the check was asked about its pad, marked read-only');

# exports ask it too
is(http_get($ng, '/p/allow403/export/txt')->{status}, 200, 'export allowed');
is(http_get($ng, '/p/deny403/export/txt')->{status}, 403, 'export denied');
is(http_get($ng, '/p/allow403/export/txt',
            headers => [ Cookie => 'sso=no' ])->{status}, 403,
   'export denied by the Cookie');
$log = Test::Pad::Nginx::_slurp($ng->{prefix} . '/logs/check.log');
like($log, qr/^allow403\|1\|allow403\|-\|127\.0\.0\.1\|export\|-\|sso=no$/m,
     'the export\'s check got its Cookie header and kind');
$ng->stop;

# garbage from a bare TCP server
my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                Listen => 5, Proto => 'tcp', ReuseAddr => 1)
    or die $!;
my $gport = $srv->sockport;
my $pid = fork;
if (!$pid) {
    while (my $s = $srv->accept) {
        my $req = '';
        while ($req !~ /\r\n\r\n/) {
            my $n = sysread($s, $req, 4096, length $req) or last;
        }
        print $s "garbage garbage\r\n\r\n";
        close $s;
    }
    exit 0;
}
$ng = engine_nginx(redis_port => $redis->port,
    http => "pad_access_check http://127.0.0.1:$gport/;\n")
    or die("nginx did not start\n");
is(ws_ready($ng, 'any403')->{raw}, $deny, 'garbage: denied');
ok($ng->wait_log(qr/\[warn\].*access check of "any403": not an HTTP response, denied/),
   '... logged at warn');
$ng->stop;

# nobody listening
$ng = engine_nginx(redis_port => $redis->port,
    http => "pad_access_check http://127.0.0.1:" . Test::Pad::free_port()
          . "/;\n") or die("nginx did not start\n");
is(ws_ready($ng, 'any403')->{raw}, $deny, 'connection refused: denied');
ok($ng->wait_log(qr/\[warn\].*access check of "any403": (cannot connect|cannot read|cannot send)/),
   '... logged at warn');
$ng->stop;
kill 'TERM', $pid;
waitpid $pid, 0;
