# The HTTP API: authors (createAuthor, createAuthorIfNotExistsFor,
# getAuthorName) and groups (createGroup, createGroupIfNotExistsFor,
# listAllGroups, listPads, deleteGroup) against Etherpad's answers
# (sessionsAndGroups.ts), their Redis records, one author or group per
# mapper under concurrent calls, stale index entries left out, and an
# API-made author used by the pad engine.

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

my $ng = engine_nginx(redis_port => $redis->port, workers => 2,
    http   => "pad_api_key_file $kf;\npad_redis_prefix P:;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die "nginx did not start\n";

sub api {
    my ($fn, %q) = @_;
    my $v = delete $q{version};
    return scalar api_call($ng, $key, $fn, \%q, version => $v);
}


sub parallel {
    my ($n, $uri) = @_;
    my @h = map { http_start($ng, uri => $uri) } 1 .. $n;
    return map { Test::Pad::json_decode($_->finish->{body}) } @h;
}

my $ID = qr/^[A-Za-z0-9]{16}$/;

# --- authors -------------------------------------------------------------

my $j = api('createAuthor');
is($j->{code}, 0, 'createAuthor: code 0');
my $a0 = $j->{data}{authorID};
like($a0, qr/^a\.[A-Za-z0-9]{16}$/, '... an author id a.<16 alnum>');
my %rec = @{ $rc->hgetall("P:author:$a0") };
ok(defined $rec{color} && $rec{color} =~ /^\d+$/ && $rec{color} < 64,
   '... Pauthor:<id> has a palette colour');
ok($rec{created} && abs($rec{created} / 1000 - time) < 30,
   '... and its creation time in ms');
ok(!exists $rec{name}, '... no name');
is_deeply(api('getAuthorName', authorID => $a0), ok_data(undef),
          'getAuthorName of an author without a name: null');

$j = api('createAuthor', name => 'john');
my $john = $j->{data}{authorID};
like($john, qr/^a\./, 'createAuthor with name');
isnt($john, $a0, '... another author');
is_deeply(api('getAuthorName', authorID => $john), ok_data('john'),
          'getAuthorName: john');
is_deeply(api('getAuthorName', authorID => 'a.nosuchauthor000'),
          ok_data(undef), 'getAuthorName of no author: null');
is_deeply(api('getAuthorName'), ok_data(undef),
          'getAuthorName without authorID: null');
is(api('getAuthorName', version => '1', authorID => $john)->{code}, 3,
   'getAuthorName is not in version 1');
is_deeply(api('getAuthorName', version => '1.1', authorID => $john),
          ok_data('john'), '... but in 1.1');

$j = api('createAuthorIfNotExistsFor', authorMapper => 'chris');
is($j->{code}, 0, 'createAuthorIfNotExistsFor');
my $chris = $j->{data}{authorID};
like($chris, qr/^a\./, '... an author id');
is($rc->get('P:mapper2author:chris'), $chris, '... Pmapper2author:chris');
ok($rc->exists("P:author:$chris"), '... its record');
is_deeply(api('createAuthorIfNotExistsFor', authorMapper => 'chris'),
          ok_data({ authorID => $chris }), 'the same mapper: the same author');
is_deeply(api('createAuthorIfNotExistsFor', authorMapper => 'chris',
              name => 'Chris'),
          ok_data({ authorID => $chris }), '... with a name');
is_deeply(api('getAuthorName', authorID => $chris), ok_data('Chris'),
          '... which is set');
api('createAuthorIfNotExistsFor', authorMapper => 'chris', name => '');
is_deeply(api('getAuthorName', authorID => $chris), ok_data('Chris'),
          'an empty name leaves it');
api('createAuthorIfNotExistsFor', authorMapper => 'chris', name => 'C2');
is_deeply(api('getAuthorName', authorID => $chris), ok_data('C2'),
          'another name replaces it');
$j = api('createAuthorIfNotExistsFor', authorMapper => 'new', name => 'N');
is_deeply(api('getAuthorName', authorID => $j->{data}{authorID}),
          ok_data('N'), 'a new mapper with a name');

my $before = scalar $rc->keys('P:author:*');
my @r = parallel(12, "/api/1.3.0/createAuthorIfNotExistsFor?apikey=$key"
                     . '&authorMapper=race&name=R');
is(scalar(grep { $_ && $_->{code} == 0 } @r), 12,
   '12 concurrent calls for a new mapper succeed');
my %ids = map { $_->{data}{authorID} => 1 } @r;
is(scalar keys %ids, 1, '... with one author');
is((keys %ids)[0], $rc->get('P:mapper2author:race'), '... the mapped one');
is(scalar $rc->keys('P:author:*'), $before + 1,
   '... and one author record more (the losers\' removed)');

# the engine uses the API's authors: a token mapped to one
my $tok = 't.' . 'j' x 20;
$rc->set("P:token:$tok", $john);
my $c = pad_joined($ng, 'authorpad', $tok);
ok($c, 'a client whose token maps to an API author joins') or die;
is($c->{vars}{userId}, $john, '... as that author');
is($c->{vars}{userName}, 'john', '... with its name');
is($c->{vars}{userColor}, $rc->hget("P:author:$john", 'color'),
   '... and its colour');
$c->{ws}->close;

# --- groups --------------------------------------------------------------

$j = api('createGroup');
is($j->{code}, 0, 'createGroup');
my $g = $j->{data}{groupID};
like($g, qr/^g\.[A-Za-z0-9]{16}$/, '... a group id g.<16 alnum>');
ok($rc->hget("P:group:{$g}", 'created'), '... Pgroup:{g} created');
ok($rc->sismember('P:groups', $g), '... in Pgroups');

is_deeply(api('createGroupIfNotExistsFor'),
          err1('groupMapper is not a string'),
          'createGroupIfNotExistsFor without a mapper');
$j = api('createGroupIfNotExistsFor', groupMapper => 'moodle1');
my $gm = $j->{data}{groupID};
like($gm, qr/^g\./, 'createGroupIfNotExistsFor');
is($rc->get('P:mapper2group:moodle1'), $gm, '... Pmapper2group');
is_deeply(api('createGroupIfNotExistsFor', groupMapper => 'moodle1'),
          ok_data({ groupID => $gm }), '... the same again');

$rc->set('P:mapper2group:gone', 'g.gonegonegonegone');
$j = api('createGroupIfNotExistsFor', groupMapper => 'gone');
isnt($j->{data}{groupID}, 'g.gonegonegonegone',
     'a mapping to a deleted group: a new group');
is($rc->get('P:mapper2group:gone'), $j->{data}{groupID},
   '... mapped now');

my $ngroups = $rc->scard('P:groups');
@r = parallel(12, "/api/1.3.0/createGroupIfNotExistsFor?apikey=$key"
                  . '&groupMapper=grace');
is(scalar(grep { $_ && $_->{code} == 0 } @r), 12,
   '12 concurrent calls for a new group mapper succeed');
%ids = map { $_->{data}{groupID} => 1 } @r;
is(scalar keys %ids, 1, '... with one group');
is($rc->scard('P:groups'), $ngroups + 1, '... and one group more');

$rc->sadd('P:groups', 'g.staleXXXXXXXXXXXX');
$j = api('listAllGroups');
is($j->{code}, 0, 'listAllGroups');
my %all = map { $_ => 1 } @{ $j->{data}{groupIDs} };
ok($all{$g} && $all{$gm}, '... has the groups');
ok(!$all{'g.staleXXXXXXXXXXXX'}, '... not an entry without a record');
is(scalar keys %all, scalar(@{ $j->{data}{groupIDs} }), '... each once');
is(api('listAllGroups', version => '1')->{code}, 3,
   'listAllGroups is not in version 1');

is_deeply(api('listPads', groupID => 'g.nosuch'),
          err1('groupID does not exist'), 'listPads of no group');
is_deeply(api('listPads'), err1('groupID does not exist'),
          'listPads without groupID');
is_deeply(api('listPads', groupID => $g), ok_data({ padIDs => [] }),
          'listPads of a new group: []');

# pads as createGroupPad makes them: the set, then the pad
$rc->sadd("P:group:{$g}:pads", "$g\$one", "$g\$never");
my $sid = api('createSession', groupID => $g, authorID => $john,
              validUntil => time + 3600)->{data}{sessionID};
$c = pad_joined($ng, "$g\$one", undef, msg => { sessionID => $sid });
ok($c, 'a client with a session of the group creates the group pad')
    or die;
is($c->{vars}{userId}, $john, '... as the session\'s author');
is(pad_insert($c, "hi\n"), 'accepted', '... and types');
$c->{ws}->close;
is_deeply(api('listPads', groupID => $g), ok_data({ padIDs => ["$g\$one"] }),
          'listPads: the pad, not the entry without a pad');

is_deeply(api('deleteGroup', groupID => 'g.nosuch'),
          err1('groupID does not exist'), 'deleteGroup of no group');
is_deeply(api('deleteGroup', groupID => $gm), ok_data(undef), 'deleteGroup');
ok(!defined $rc->get('P:mapper2group:moodle1'), '... its mapping is gone');
ok(!$rc->exists("P:group:{$gm}"), '... its record');
ok(!$rc->sismember('P:groups', $gm), '... its entry');
is_deeply(api('listPads', groupID => $gm), err1('groupID does not exist'),
          '... listPads: no group');
is_deeply(api('deleteGroup', groupID => $gm),
          err1('groupID does not exist'), '... deleted once');
$j = api('createGroupIfNotExistsFor', groupMapper => 'moodle1');
isnt($j->{data}{groupID}, $gm, 'the mapper makes a new group then');

# --- Redis down ----------------------------------------------------------

$redis->stop;
$j = api('createGroup');
is_deeply($j, { code => 2, message => 'internal error', data => undef },
          'Redis down: code 2');
is(api('listAllGroups')->{code}, 2, '... for lists too');
ok($redis->start, 'redis back');

unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
