# An Etherpad integration end to end against the module alone, every
# record written through the HTTP API: createGroupIfNotExistsFor ->
# createGroupPad -> createAuthorIfNotExistsFor -> createSession, then a
# client that talks to /socket.io/ directly with that sessionID cookie
# edits the group pad as the session's author; without the cookie, with
# another group's session, with an expired session and with a session
# deleted through the API it is denied; getText and getHTML answer what
# the client typed.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_insert);
use Test::Pad::Access;
use Test::More;
use Test::Pad::API;

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $key = 'i' x 32;
my $kf = api_key_file($key);

my $ng = engine_nginx(redis_port => $redis->port,
    http   => "pad_api_key_file $kf;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die "nginx did not start\n";

sub api {
    my ($fn, %q) = @_;
    my $v = delete $q{version};
    return scalar api_call($ng, $key, $fn, \%q, version => $v);
}

my $deny = '42["message",{"accessStatus":"deny"}]';

my $g = api('createGroupIfNotExistsFor', groupMapper => 'course-101')
    ->{data}{groupID};
like($g, qr/^g\.[A-Za-z0-9]{16}$/, 'createGroupIfNotExistsFor');
is(api('createGroupIfNotExistsFor', groupMapper => 'course-101')
   ->{data}{groupID}, $g, '... the same group again');
my $j = api('createGroupPad', groupID => $g, padName => 'notes',
            text => "Agenda\n");
is_deeply($j->{data}, { padID => "$g\$notes" }, 'createGroupPad');
my $pad = "$g\$notes";

my $a = api('createAuthorIfNotExistsFor', authorMapper => 'user-7',
            name => 'Grace')->{data}{authorID};
like($a, qr/^a\./, 'createAuthorIfNotExistsFor');
my $s = api('createSession', groupID => $g, authorID => $a,
            validUntil => time + 3600)->{data}{sessionID};
like($s, qr/^s\./, 'createSession');

# another group and its session; a session about to expire
my $h = api('createGroup')->{data}{groupID};
my $other = api('createSession', groupID => $h, authorID => $a,
                validUntil => time + 3600)->{data}{sessionID};
my $short = api('createSession', groupID => $g, authorID => $a,
                validUntil => time + 2)->{data}{sessionID};

# denied: no cookie, another group's session
is(ws_ready($ng, $pad)->{raw}, $deny, 'no sessionID cookie: denied');
is(ws_ready($ng, $pad, cookie => "sessionID=$other")->{raw}, $deny,
   "another group's session: denied");

# the session edits
my $c = ws_ready($ng, $pad, cookie => "sessionID=$s");
is($c->{m} && $c->{m}{type}, 'CLIENT_VARS', 'with the session: CLIENT_VARS')
    or die;
is($c->{m}{data}{userId}, $a, "... as the session's author");
is($c->{m}{data}{userName}, 'Grace', '... with the mapped name');
my $t0 = $c->{m}{data}{collab_client_vars}{initialAttributedText}{text};
is($t0, "Agenda\n\n", "... createGroupPad's text");
is(pad_insert({ ws => $c->{ws}, rev => 0, len => length $t0 },
              "Minutes by Grace\n"), 'accepted', '... and types');
$c->{ws}->close;

is(api('getText', padID => $pad)->{data}{text},
   "Minutes by Grace\nAgenda\n\n", 'getText: what the client typed');
like(api('getHTML', padID => $pad)->{data}{html},
     qr{<body>Minutes by Grace<br>Agenda<br><br></body>},
     'getHTML: the same');

# expired, then deleted through the API
sleep 3;
is(ws_ready($ng, $pad, cookie => "sessionID=$short")->{raw}, $deny,
   'an expired session: denied');
is(api('deleteSession', sessionID => $s)->{code}, 0, 'deleteSession');
is(ws_ready($ng, $pad, cookie => "sessionID=$s")->{raw}, $deny,
   'the deleted session: denied');

unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
