# nginx's own access control on the /socket.io/ location composes with
# the module: auth_request, auth_basic and allow/deny run in the access
# phase, before pad_socketio's handler, on the Engine.IO handshake, on
# every polling request (also one relayed to another instance's owner:
# the receiving worker checks it first) and on the WebSocket upgrade
# (a refused upgrade never becomes a WebSocket); the pad rules come on
# top of them.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_send);
use Test::Pad::Access;

my $redis = start_redis() or die("redis-server did not start\n");
my $auth_loc = 'location = /auth { internal; '
             . 'if ($http_cookie ~ "sso=ok") { return 204; } return 401; }';

# instance A: no access control; B: auth_request on /socket.io/
my $a = engine_nginx(redis_port => $redis->port, workers => 2)
    or die("nginx did not start\n");
my $b = engine_nginx(redis_port => $redis->port, workers => 2,
                     loc => 'auth_request /auth;', server => $auth_loc)
    or die("nginx did not start\n");
my $ok = [ Cookie => 'sso=ok' ];

# the handshake
my ($sid, $open, $r) = eio_poll_open($b, query => { padId => 'p404' });
is($r->{status}, 401, 'auth_request: a handshake without the cookie: 401');
($sid) = eio_poll_open($b, query => { padId => 'p404' }, headers => $ok);
ok($sid, '... with it: a session');

# every polling request of the session
is(eio_poll_post($b, $sid, '40')->{status}, 401,
   'a POST of that session without the cookie: 401');
is(eio_poll_post($b, $sid, '40', headers => $ok)->{status}, 200,
   '... with it: ok');
$r = eio_poll_get($b, $sid);
is($r->{status}, 401, 'a GET without the cookie: 401');
$r = eio_poll_get($b, $sid, headers => $ok);
like($r->{body}, qr/^40\{/, '... with it: the CONNECT answer');

# the WebSocket upgrade of that session, and a direct WebSocket
my $ws = ws_connect($b, eio_path(transport => 'websocket', sid => $sid));
is($ws->status, 401, 'the upgrade without the cookie: 401, no WebSocket');
$ws = ws_connect($b, eio_path(transport => 'websocket', padId => 'p404'));
is($ws->status, 401, 'a direct WebSocket without the cookie: 401');
my $c = ws_ready($b, 'p404', cookie => 'sso=ok');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS',
   'a direct WebSocket with the cookie joins the pad');
$c->{ws}->close;

# a session of A polled through B: B checks the request before relaying
($sid) = eio_poll_open($a, query => { padId => 'p404' });
ok($sid, 'a session of instance A');
is(eio_poll_post($b, $sid, '40')->{status}, 401,
   'its POST through B without the cookie: 401 (never relayed)');
is(eio_poll_post($b, $sid, '40', headers => $ok)->{status}, 200,
   '... with it: relayed to its owner and answered');
like(eio_poll_get($b, $sid, headers => $ok)->{body}, qr/^40\{/,
     '... and its GET');
$ws = ws_connect($b, eio_path(transport => 'websocket', sid => $sid));
is($ws->status, 401, 'its upgrade on B without the cookie: 401');
$b->stop;

# the pad rules on top: allowed by nginx, still denied by the pad's
my $G = 'g.' . 'D' x 16;
$b = engine_nginx(redis_port => $redis->port,
                  loc => 'auth_request /auth;', server => $auth_loc)
    or die("nginx did not start\n");
$c = ws_ready($b, "$G\$x", cookie => 'sso=ok');
is($c->{raw}, '42["message",{"accessStatus":"deny"}]',
   'nginx lets it in, the group pad without session is still denied');
$b->stop;

# auth_basic
my $pw = "$a->{prefix}/conf/htpasswd";
open my $h, '>', $pw or die $!;
print $h 'u:' . crypt('secret', 'ab') . "\n";
close $h;
$b = engine_nginx(redis_port => $redis->port,
                  loc => "auth_basic pads; auth_basic_user_file $pw;")
    or die("nginx did not start\n");
($sid, $open, $r) = eio_poll_open($b, query => { padId => 'p404' });
is($r->{status}, 401, 'auth_basic: no credentials: 401');
my $basic = [ Authorization => 'Basic dTpzZWNyZXQ=' ];
($sid) = eio_poll_open($b, query => { padId => 'p404' }, headers => $basic);
ok($sid, '... with them: a session');
is(eio_poll_post($b, $sid, '40')->{status}, 401,
   '... its POST without them: 401');
$ws = ws_connect($b, eio_path(transport => 'websocket', sid => $sid));
is($ws->status, 401, '... its upgrade without them: 401');
$ws = ws_connect($b, eio_path(transport => 'websocket', sid => $sid),
                 headers => $basic);
is($ws->status, 101, '... with them: 101');
$b->stop;

# allow/deny
$b = engine_nginx(redis_port => $redis->port, loc => 'deny 127.0.0.1;')
    or die("nginx did not start\n");
($sid, $open, $r) = eio_poll_open($b, query => { padId => 'p404' });
is($r->{status}, 403, 'deny 127.0.0.1: the handshake: 403');
$ws = ws_connect($b, eio_path(transport => 'websocket', padId => 'p404'));
is($ws->status, 403, '... a WebSocket: 403');
$b->stop;
$a->stop;
