# Group pads as Etherpad 2.x's checkAccess has them, from clients that
# skip the pad page and talk to /socket.io/ directly (raw WebSocket and
# raw Engine.IO polling): a valid, unexpired session of the pad's group
# (sessionID cookie, a comma list, or CLIENT_READY's sessionID) grants it
# and gives its author; expired, deleted and other-group sessions do
# not; a public pad is open with a token; a group pad that does not exist
# is created only with a session; a denial is {"accessStatus":"deny"},
# byte for byte the same for a missing and a forbidden pad, logged once
# at info with its reason.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_send pad_insert);
use Test::Pad::Access;

my $redis = start_redis() or die("redis-server did not start\n");
my $ng = engine_nginx(redis_port => $redis->port)
    or die("nginx did not start\n");

my $G = 'g.' . 'A' x 16;          # the group
my $H = 'g.' . 'B' x 16;          # another group
my $now = time;
my $A1 = 'a.' . '1' x 16;
my $A2 = 'a.' . '2' x 16;
mk_group($redis, $G);
mk_group($redis, $H);
mk_session($redis, 's.good', $G, $A1, $now + 3600);
mk_session($redis, 's.good2', $G, $A2, $now + 3600);
mk_session($redis, 's.expired', $G, $A1, $now - 10);
mk_session($redis, 's.other', $H, $A1, $now + 3600);
mk_session($redis, 's.gone', $G, $A1, $now + 3600);
rcli($redis, 'DEL', "ngxpad:session:{s.gone}");

my $deny = '42["message",{"accessStatus":"deny"}]';

# a group pad that does not exist: only with a session
my $new = "$G\$fresh";
my $c = ws_ready($ng, $new);
is($c->{raw}, $deny, 'new group pad, no session: denied');
ok($ng->wait_log(qr/CLIENT_READY for "\Q$new\E" denied: a group pad can be created only with a session/),
   'logged with its reason');
is(rcli($redis, 'EXISTS', "ngxpad:{$new}:meta"), 0,
   '... and the pad was not created');

for my $bad (['s.expired', 'expired'], ['s.other', 'of another group'],
             ['s.gone', 'deleted'], ['s.nope', 'unknown'])
{
    $c = ws_ready($ng, $new, cookie => "sessionID=$bad->[0]");
    is($c->{raw}, $deny, "a session $bad->[1]: denied");
}

$c = ws_ready($ng, $new, cookie => 'sessionID=s.good');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'a session of its group: created');
is($c->{m} && $c->{m}{data}{userId}, $A1, "the session's author, not the "
   . "token's");
is(pad_insert({ ws => $c->{ws}, rev => 0,
                len => length($c->{m}{data}{collab_client_vars}
                                  {initialAttributedText}{text}) },
              "x"), 'accepted', 'and it edits');
$c->{ws}->close;

# the existing private pad: sessions, comma lists, CLIENT_READY's sessionID
my $priv = $new;
$c = ws_ready($ng, $priv);
my $raw_private = $c->{raw};
is($raw_private, $deny, 'private group pad, no session: denied');

my $raw_missing = ws_ready($ng, "$G\$missing")->{raw};
is($raw_missing, $raw_private,
   'the answer for a missing pad is byte for byte the one for a forbidden pad');

$c = ws_ready($ng, $priv, cookie => 'sessionID=s.expired,s.other,s.good2');
is($c->{m} && $c->{m}{data}{userId}, $A2,
   'a comma list: the valid session of the group counts');
$c->{ws}->close if $c->{ws};

$c = ws_ready($ng, $priv, cookie => 'sessionID="s.nope,%20s.good"');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS',
   'a quoted, %-encoded comma list (Etherpad #3819)');
$c->{ws}->close if $c->{ws};

$c = ws_ready($ng, $priv, msg => { sessionID => 's.good' });
is($c->{m} && $c->{m}{data}{userId}, $A1,
   "CLIENT_READY's sessionID (Etherpad 2.x's page sends the cookie there)");
$c->{ws}->close if $c->{ws};

$c = ws_ready($ng, $priv, token => '', msg => { sessionID => 's.good' });
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS',
   'a session needs no author token (Etherpad)');
$c->{ws}->close if $c->{ws};

$c = ws_ready($ng, $priv, token => '', cookie => 'sessionID=s.expired');
is($c->{raw}, $deny, 'no token and an expired session: denied');

# an expired session stays expired; validUntil is unix seconds
mk_session($redis, 's.soon', $G, $A1, time + 2);
$c = ws_ready($ng, $priv, cookie => 'sessionID=s.soon');
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'a session valid for 2 s');
$c->{ws}->close if $c->{ws};
sleep 3;
$c = ws_ready($ng, $priv, cookie => 'sessionID=s.soon');
is($c->{raw}, $deny, '... denied once it expired');

# public pads: a token is enough, the token's author
mk_pad_public($redis, $priv, 1);
$c = ws_ready($ng, $priv);
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'public group pad, token only');
isnt($c->{m} && $c->{m}{data}{userId}, $A1, "... the token's author");
$c->{ws}->close if $c->{ws};
$c = ws_ready($ng, $priv, token => 't.bad');
is($c->{raw}, $deny, 'public group pad, invalid token: denied');
mk_pad_public($redis, $priv, 0);
is(ws_ready($ng, $priv)->{raw}, $deny, 'public status removed: denied');

# raw Engine.IO polling with the Cookie header on every request
my $p = poll_ready($ng, $priv);
is($p->{raw}, $deny, 'polling, no session: denied');
is(poll_ready($ng, "$G\$missing")->{raw}, $p->{raw},
   'polling: a missing pad answers the same bytes');
$p = poll_ready($ng, $priv, cookie => 'sessionID=s.good; other=1');
is($p->{m} && $p->{m}{type}, 'CLIENT_VARS', 'polling with the cookie: in');
is($p->{m} && $p->{m}{data}{userId}, $A1, "... as the session's author");

# read-only ids follow the rules of their pad
my $ro = rcli($redis, 'GET', "ngxpad:{$priv}:ro");
like($ro, qr/^r\./, 'the pad has a read-only id');
is(ws_ready($ng, $ro)->{raw}, $deny,
   'read-only id of a private group pad, no session: denied');
$c = ws_ready($ng, $ro, cookie => 'sessionID=s.good');
ok($c->{m} && $c->{m}{data} && $c->{m}{data}{readonly},
   '... with a session: read-only');
pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
    data => { type => 'USER_CHANGES', baseRev => 0,
              changeset => 'Z:2>1+1$y', apool => {} } }, 7);
my ($m) = pad_recv_until($c->{ws}, sub { defined $_[0]{ack} }, 3);
like($m && $m->{args}[0]{message}, qr/read-only/,
     '... and a write is refused');
$c->{ws}->close;

# a denied socket stays and may ask again (Etherpad)
$c = ws_ready($ng, $priv);
is($c->{raw}, $deny, 'denied');
pad_send($c->{ws}, { component => 'pad', type => 'CLIENT_READY',
                     padId => 'plainpad401', token => tok() });
($m) = pad_recv_until($c->{ws}, sub { $_[0]{type} || $_[0]{accessStatus} });
is($m && $m->{type}, 'CLIENT_VARS', '... then joins a pad it may');
$c->{ws}->close;

my $log = $ng->log;
my $n = () = $log =~ /CLIENT_READY for "\Q$G\E\$missing" denied/g;
is($n, 2, 'each refusal logged once');
like($log, qr/\[info\].*CLIENT_READY for "\Q$priv\E" denied: a private group pad needs a session/,
     'at info, with the reason');
unlike($log, qr/\[error\]/, 'no error logged');
