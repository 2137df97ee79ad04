# Exports (pad_http) decide access as Etherpad's export route: checkAccess
# with the sessionID and token cookies first: 403 "403 - Can't touch
# this", byte for byte the same for a missing and a forbidden pad; then
# 404 for a granted pad that does not exist.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_insert);
use Test::Pad::Access;

my $G = 'g.' . 'E' x 16;
my $A = 'a.' . '5' x 16;

my $redis = start_redis() or die("redis-server did not start\n");
my $ng = engine_nginx(redis_port => $redis->port)
    or die("nginx did not start\n");
mk_group($redis, $G);
mk_session($redis, 's.e1', $G, $A, time + 3600);
mk_session($redis, 's.old', $G, $A, time - 1);

my $c = ws_ready($ng, "$G\$doc", cookie => 'sessionID=s.e1');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'a private group pad');
$c->{ws}->close;
$c = ws_ready($ng, 'plain405');
$c->{ws}->close;

sub get {
    my ($uri, $cookie) = @_;
    my $r = http_get($ng, $uri,
                     (defined $cookie ? (headers => [ Cookie => $cookie ]) : ()));
    return $r;
}
sub answer { my $r = get(@_); return "$r->{status} $r->{body}" }

my $forbidden = answer("/p/$G\$doc/export/txt");
is($forbidden, "403 403 - Can't touch this", 'private group pad: 403');
is(answer("/p/$G\$nothing/export/txt"), $forbidden,
   'a missing group pad: the same status and bytes');
is(answer("/p/$G\$doc/export/txt", 'sessionID=s.old'), $forbidden,
   'an expired session: 403');
like(answer("/p/$G\$doc/export/txt", 'sessionID=s.x,s.e1'), qr/^200 /,
     'a session of the group (in a list): 200');
like(answer("/p/$G\$nothing/export/txt", 'sessionID=s.e1'), qr/^404 /,
     'granted, but missing: 404');
like(answer("/p/$G\$doc/2/export/txt", 'sessionID=s.e1'), qr/^200 /,
     'a revision export too');
is(answer("/p/$G\$doc/0/export/txt"), $forbidden, '... and denied alike');

my $ro = rcli($redis, 'GET', "ngxpad:{$G\$doc}:ro");
is(answer("/p/$ro/export/txt"), $forbidden,
   'the read-only id of a private pad: 403');
like(answer("/p/$ro/export/txt", 'sessionID=s.e1'), qr/^200 /,
     '... with a session: 200');
is(answer('/p/r.' . ('0' x 32) . '/export/txt'), $forbidden,
   'a read-only id of no pad: 403 (Etherpad)');

mk_pad_public($redis, "$G\$doc", 1);
like(answer("/p/$G\$doc/export/txt"), qr/^200 /, 'public: 200');
is(answer("/p/$G\$doc/export/txt", 'token=t.bad'), $forbidden,
   '... but an invalid token cookie: 403');
like(answer("/p/$G\$doc/export/txt", 'token=' . tok()), qr/^200 /,
     '... a valid one: 200');

like(answer('/p/plain405/export/txt'), qr/^200 /, 'a plain pad: 200');
like(answer('/p/none405/export/txt'), qr/^404 /,
     'a plain pad that does not exist: 404 (it could be created)');
is(get("/p/$G\$doc")->{status}, 200,
   'the pad page is served without a decision (as Etherpad)');
ok($ng->wait_log(qr/pad export: "\/p\/g\.E+\$nothing\/export\/txt" denied: a group pad can be created only with a session/),
   'a denial is logged with its reason');
$ng->stop;

$ng = engine_nginx(redis_port => $redis->port, http => "pad_edit_only on;\n")
    or die("nginx did not start\n");
my $f2 = answer("/p/none405/export/txt");
is($f2, "403 403 - Can't touch this",
   'edit_only: a plain pad that does not exist: 403');
like(answer('/p/plain405/export/txt'), qr/^200 /, 'edit_only: existing 200');
unlike($ng->log, qr/\[error\]/, 'no error logged');
