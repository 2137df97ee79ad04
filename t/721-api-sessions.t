# The HTTP API: sessions (createSession, deleteSession, getSessionInfo,
# listSessionsOfGroup, listSessionsOfAuthor) against Etherpad's answers
# (sessionsAndGroups.ts, SessionManager.ts): the checks in Etherpad's
# order, validUntil as parseInt reads it, null versus {}, the Redis
# records and sets, stale set entries left out, deleteGroup deleting the
# sessions.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert);
use Test::More;
use Test::Pad::API;
use Time::HiRes qw(sleep time);

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $rc = $redis->client;

my $key = 'k' x 20 . '0123456789abcdef';
my $kf = api_key_file($key);

my $ng = engine_nginx(redis_port => $redis->port,
    http   => "pad_api_key_file $kf;\npad_redis_prefix P:;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die "nginx did not start\n";

sub api {
    my ($fn, %q) = @_;
    my $v = delete $q{version};
    return scalar api_call($ng, $key, $fn, \%q, version => $v);
}


my $g = api('createGroup')->{data}{groupID};
my $a = api('createAuthor', name => 'sam')->{data}{authorID};
ok($g && $a, 'a group and an author');
my $FAR = 999999999999;

# --- createSession's checks, in Etherpad's order -----------------------

is_deeply(api('createSession', groupID => 'g.nosuch', authorID => 'x',
              validUntil => 'abc'),
          err1('groupID does not exist'), 'no group: checked first');
is_deeply(api('createSession', authorID => $a, validUntil => $FAR),
          err1('groupID does not exist'), 'no groupID');
is_deeply(api('createSession', groupID => $g, authorID => 'a.nosuch',
              validUntil => 'abc'),
          err1('authorID does not exist'), 'no author: checked second');
is_deeply(api('createSession', groupID => $g, validUntil => $FAR),
          err1('authorID does not exist'), 'no authorID');
is_deeply(api('createSession', groupID => $g, authorID => $a),
          err1('validUntil is not a number'), 'no validUntil');
is_deeply(api('createSession', groupID => $g, authorID => $a,
              validUntil => 'abc'),
          err1('validUntil is not a number'), 'validUntil abc');
is_deeply(api('createSession', groupID => $g, authorID => $a,
              validUntil => '0x'),
          err1('validUntil is not a number'), 'validUntil 0x');
is_deeply(api('createSession', groupID => $g, authorID => $a,
              validUntil => '-5'),
          err1('validUntil is a negative number'), 'validUntil -5');
is_deeply(api('createSession', groupID => $g, authorID => $a,
              validUntil => '100'),
          err1('validUntil is in the past'), 'validUntil 100');
is_deeply(api('createSession', groupID => $g, authorID => $a,
              validUntil => '-0'),
          err1('validUntil is in the past'), 'validUntil -0');
is_deeply(api('createSession', groupID => $g, authorID => $a,
              validUntil => '99999999999999999999999'),
          err1('validUntil is not a number'),
          'validUntil beyond 64 bits (a difference)');
is_deeply(api('listSessionsOfGroup', groupID => $g), ok_data(undef),
          'listSessionsOfGroup of a group without sessions: null');
is_deeply(api('listSessionsOfAuthor', authorID => $a), ok_data(undef),
          'listSessionsOfAuthor of an author without sessions: null');
is_deeply(api('listSessionsOfGroup', groupID => 'g.nosuch'),
          err1('groupID does not exist'), 'listSessionsOfGroup of no group');
is_deeply(api('listSessionsOfAuthor', authorID => 'a.nosuch'),
          err1('authorID does not exist'),
          'listSessionsOfAuthor of no author');

# --- a session -----------------------------------------------------------

my $j = api('createSession', groupID => $g, authorID => $a,
            validUntil => $FAR);
is($j->{code}, 0, 'createSession');
my $s = $j->{data}{sessionID};
like($s, qr/^s\.[A-Za-z0-9]{16}$/, '... s.<16 alnum>');
is_deeply({ @{ $rc->hgetall("P:session:{$s}") } },
          { groupID => $g, authorID => $a, validUntil => $FAR },
          '... Psession:{s} as the access check reads it');
ok($rc->sismember("P:group:{$g}:sessions", $s), '... in the group\'s set');
ok($rc->sismember("P:author:$a:sessions", $s), '... in the author\'s');

my $info = { groupID => $g, authorID => $a, validUntil => $FAR };
is_deeply(api('getSessionInfo', sessionID => $s), ok_data($info),
          'getSessionInfo');
is_deeply(api('getSessionInfo', sessionID => 's.nosuch'),
          err1('sessionID does not exist'), 'getSessionInfo of no session');
is_deeply(api('getSessionInfo'), err1('sessionID does not exist'),
          'getSessionInfo without sessionID');

$j = api('createSession', groupID => $g, authorID => $a,
         validUntil => ' 0xE8D4A50FFFjunk');
my $s2 = $j->{data}{sessionID};
ok($s2, 'validUntil " 0xE8D4A50FFFjunk" is parseInt\'s 999999999999');
is(api('getSessionInfo', sessionID => $s2)->{data}{validUntil}, $FAR,
   '... stored so');

# stale entries (a crash between the set and the record) are left out
$rc->sadd("P:group:{$g}:sessions", 's.staleXXXXXXXXXXXX');
$rc->sadd("P:author:$a:sessions", 's.staleXXXXXXXXXXXX');
is_deeply(api('listSessionsOfGroup', groupID => $g),
          ok_data({ $s => $info, $s2 => $info }), 'listSessionsOfGroup');
is_deeply(api('listSessionsOfAuthor', authorID => $a),
          ok_data({ $s => $info, $s2 => $info }), 'listSessionsOfAuthor');

is_deeply(api('deleteSession', sessionID => $s), ok_data(undef),
          'deleteSession');
ok(!$rc->exists("P:session:{$s}"), '... its record is gone');
ok(!$rc->sismember("P:group:{$g}:sessions", $s), '... and its entries');
ok(!$rc->sismember("P:author:$a:sessions", $s), '... both');
is_deeply(api('getSessionInfo', sessionID => $s),
          err1('sessionID does not exist'), 'getSessionInfo of it: code 1');
is_deeply(api('deleteSession', sessionID => $s),
          err1('sessionID does not exist'), 'deleteSession again: code 1');
is_deeply(api('deleteSession', sessionID => $s2), ok_data(undef),
          'deleteSession of the other');
is_deeply(api('listSessionsOfGroup', groupID => $g), ok_data({}),
          'listSessionsOfGroup after all were deleted: {}');
is_deeply(api('listSessionsOfAuthor', authorID => $a), ok_data({}),
          'listSessionsOfAuthor: {}');

# --- deleteGroup deletes its sessions (Etherpad's issue 4227) -----------

my $g2 = api('createGroup')->{data}{groupID};
my @s = map { api('createSession', groupID => $g2, authorID => $a,
                  validUntil => $FAR)->{data}{sessionID} } 1 .. 2;
ok($s[0] && $s[1] && $s[0] ne $s[1], 'two sessions of another group');
is_deeply(api('deleteGroup', groupID => $g2), ok_data(undef), 'deleteGroup');
for my $x (@s) {
    is_deeply(api('getSessionInfo', sessionID => $x),
              err1('sessionID does not exist'), "... session $x is gone");
    ok(!$rc->sismember("P:author:$a:sessions", $x),
       '... and the author\'s entry');
}
ok(!$rc->exists("P:group:{$g2}:sessions"), '... the group\'s set');
is_deeply(api('createSession', groupID => $g2, authorID => $a,
              validUntil => $FAR),
          err1('groupID does not exist'), 'no session of a deleted group');

# --- the pad engine's access check reads these sessions -----------------

my $sx = api('createSession', groupID => $g, authorID => $a,
             validUntil => time + 3600)->{data}{sessionID};
my $c = pad_joined($ng, "$g\$s", undef, msg => { sessionID => $sx });
ok($c, 'a client with an API session joins a new group pad');
is($c && $c->{vars}{userId}, $a, '... as the session\'s author');
$c->{ws}->close if $c;
api('deleteSession', sessionID => $sx);
ok(!pad_joined($ng, "$g\$s", undef, msg => { sessionID => $sx }),
   'after deleteSession it cannot join');

# --- Redis down ----------------------------------------------------------

$redis->stop;
is(api('createSession', groupID => $g, authorID => $a,
       validUntil => $FAR)->{code}, 2, 'Redis down: code 2');
is(api('getSessionInfo', sessionID => 's.x')->{code}, 2, '... reads too');
ok($redis->start, 'redis back');

unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
