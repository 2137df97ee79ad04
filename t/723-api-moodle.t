# The HTTP API as the Moodle etherpadlite plugin uses it, in its order:
# createGroup, createGroupPad, createAuthor, createAuthorIfNotExistsFor,
# createSession, (the user edits through the pad page with the session),
# getText, getHTML, setHTML, getReadOnlyID, getLastEdited, deleteGroup.
# Every call is served by the module alone and checked.

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


# the activity: a group and its pad
my $j = api('createGroup');
is($j->{code}, 0, 'createGroup');
my $g = $j->{data}{groupID};

my $name = 'moodlepad';
my $pad = "$g\$$name";
$j = api('createGroupPad', groupID => $g, padName => $name,
         text => "Welcome\n");
is_deeply($j, ok_data({ padID => $pad }), 'createGroupPad');

# the user: an author of the Moodle user, a session in the group
$j = api('createAuthor', name => 'Moodle User');
like($j->{data}{authorID}, qr/^a\./, 'createAuthor');
$j = api('createAuthorIfNotExistsFor', authorMapper => 'moodle-user-42',
         name => 'Ada Lovelace');
my $a = $j->{data}{authorID};
like($a, qr/^a\./, 'createAuthorIfNotExistsFor');
$j = api('createSession', groupID => $g, authorID => $a,
         validUntil => time + 86400);
my $s = $j->{data}{sessionID};
like($s, qr/^s\./, 'createSession');

# the pad page, with the session cookie Moodle set
my $c = pad_joined($ng, $pad, undef, msg => { sessionID => $s });
ok($c, 'the user opens the group pad with the session') or die;
my $initial = $c->{text};
is($initial, "Welcome\n\n", '... with createGroupPad\'s text (Pad.init: the text, then the pad\'s newline)');
is($c->{vars}{userId}, $a, '... as the mapped author');
is($c->{vars}{userName}, 'Ada Lovelace', '... with the name Moodle gave');
is(pad_insert($c, "Ada's notes\n"), 'accepted', '... and writes');
$c->{ws}->close;

my $want = "Ada's notes\n$initial";
is_deeply(api('getText', padID => $pad), ok_data({ text => $want }),
          'getText');

$j = api('getHTML', padID => $pad);
is($j->{code}, 0, 'getHTML');
like($j->{data}{html}, qr/Ada&#x27;s notes|Ada's notes/, '... the text');
$j = api('setHTML', padID => $pad, html => '<p>Graded</p>');
is_deeply($j, ok_data(undef), 'setHTML');
like(api('getText', padID => $pad)->{data}{text}, qr/^Graded\n/,
     '... getText after it');

$j = api('getReadOnlyID', padID => $pad);
like($j->{data}{readOnlyID}, qr/^r\.[0-9a-f]{32}$/, 'getReadOnlyID');
$j = api('getLastEdited', padID => $pad);
ok($j->{data}{lastEdited} && abs($j->{data}{lastEdited} / 1000 - time) < 60,
   'getLastEdited');
is_deeply(api('listPads', groupID => $g), ok_data({ padIDs => [ $pad ] }),
          'listPads: the activity\'s pad');
is_deeply(api('listPadsOfAuthor', authorID => $a),
          ok_data({ padIDs => [ $pad ] }), 'listPadsOfAuthor: the user\'s');

# the activity deleted
is_deeply(api('deleteGroup', groupID => $g), ok_data(undef), 'deleteGroup');
is_deeply(api('getSessionInfo', sessionID => $s),
          err1('sessionID does not exist'), '... its session is gone');
is_deeply(api('listPads', groupID => $g), err1('groupID does not exist'),
          '... and the group');
is_deeply(api('getText', padID => $pad), err1('padID does not exist'),
          '... and its pad (GroupManager.deleteGroup deletes its pads)');
ok(!pad_joined($ng, $pad, undef, msg => { sessionID => $s }),
   '... the session no longer opens the pad');

unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
