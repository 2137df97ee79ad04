# pad_edit_only (Etherpad's editOnly) and pad_require_session (its
# requireSession), from raw clients: a pad that does not exist is not
# created from a socket; every pad needs a valid session of its group
# (which, as in Etherpad, leaves only group pads); read-only ids stay
# read-only under both.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_send);
use Test::Pad::Access;

my $deny = '42["message",{"accessStatus":"deny"}]';
my $G = 'g.' . 'C' x 16;
my $A = 'a.' . '3' x 16;

# --- pad_edit_only on -------------------------------------------------

my $redis = start_redis() or die("redis-server did not start\n");
my $ng = engine_nginx(redis_port => $redis->port)
    or die("nginx did not start\n");

# pads that exist before the switch
my $c = ws_ready($ng, 'exists402');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'created while edit_only is off');
$c->{ws}->close;
mk_group($redis, $G);
mk_session($redis, 's.m1', $G, $A, time + 3600);
$c = ws_ready($ng, "$G\$gexists", cookie => 'sessionID=s.m1');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'a group pad created');
$c->{ws}->close;
my $ro = rcli($redis, 'GET', 'ngxpad:{exists402}:ro');
$ng->stop;

$ng = engine_nginx(redis_port => $redis->port, http => "pad_edit_only on;\n")
    or die("nginx did not start\n");

$c = ws_ready($ng, 'exists402');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'edit_only: an existing pad');
$c->{ws}->close;
$c = ws_ready($ng, 'missing402');
is($c->{raw}, $deny, 'edit_only: a missing pad is not created');
is(rcli($redis, 'HEXISTS', 'ngxpad:{missing402}:meta', 'head'), 0,
   '... nothing in Redis');
ok($ng->wait_log(qr/CLIENT_READY for "missing402" denied: the pad does not exist and may not be created/),
   '... logged with its reason');
is(poll_ready($ng, 'missing402')->{raw}, $deny, '... nor over polling');
$c = ws_ready($ng, "$G\$gnew", cookie => 'sessionID=s.m1');
is($c->{raw}, $deny, 'edit_only: not even a group pad with a session');
$c = ws_ready($ng, "$G\$gexists", cookie => 'sessionID=s.m1');
is($c->{m} && $c->{m}{data}{userId}, $A,
   'edit_only: an existing group pad with a session');
$c->{ws}->close;

$c = ws_ready($ng, $ro);
ok($c->{m} && $c->{m}{data} && $c->{m}{data}{readonly},
   'edit_only: a read-only id is read-only');
pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
    data => { type => 'USER_CHANGES', baseRev => 0,
              changeset => 'Z:2>1+1$y', apool => {} } }, 3);
my ($m) = pad_recv_until($c->{ws}, sub { defined $_[0]{ack} }, 3);
like($m && $m->{args}[0]{message}, qr/read-only/, '... its writes refused');
$c->{ws}->close;
is(ws_ready($ng, 'r.' . 'f' x 32)->{raw}, $deny,
   'a read-only id of no pad: denied');
$ng->stop;

# --- pad_require_session on -------------------------------------------

$ng = engine_nginx(redis_port => $redis->port,
                   http => "pad_require_session on;\n")
    or die("nginx did not start\n");

is(ws_ready($ng, 'exists402')->{raw}, $deny,
   'require_session: a plain pad has no group session: denied');
is(ws_ready($ng, 'exists402', cookie => 'sessionID=s.m1')->{raw}, $deny,
   '... even with a session of some group');
mk_pad_public($redis, "$G\$gexists", 1);
is(ws_ready($ng, "$G\$gexists")->{raw}, $deny,
   'require_session: a public group pad without session: denied');
$c = ws_ready($ng, "$G\$gexists", cookie => 'sessionID=s.m1');
is($c->{m} && $c->{m}{data}{userId}, $A, '... with its session: in');
$c->{ws}->close;
$c = ws_ready($ng, "$G\$gnew2", msg => { sessionID => 's.m1' });
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS',
   'require_session: a new group pad with a session');
$c->{ws}->close;
ok($ng->wait_log(qr/denied: pad_require_session: no valid session/),
   'the reason is logged');
unlike($ng->log, qr/\[error\]/, 'no error logged');
