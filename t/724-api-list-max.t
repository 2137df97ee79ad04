# The HTTP API's lists are bounded (pad_redis_list_max, members.lua): a set
# with more members than the limit is refused (code 2, logged once with
# TOOBIG) instead of read; at the limit it is listed in full.  Every
# list: listAllPads, listAllGroups, listPads, listSessionsOfGroup,
# listSessionsOfAuthor, listPadsOfAuthor.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx);
use Test::More;
use Test::Pad::API;

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $rc = $redis->client;

my $key = 'k' x 20 . '0123456789abcdef';
my $kf = api_key_file($key);

my $ng = engine_nginx(redis_port => $redis->port,
    http   => "pad_api_key_file $kf;\npad_redis_prefix P:;\n"
            . "pad_redis_list_max 2;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die "nginx did not start\n";

sub api {
    my ($fn, %q) = @_;
    my $v = delete $q{version};
    return scalar api_call($ng, $key, $fn, \%q, version => $v, raw => 1);
}

my $toobig = { code => 2, message => 'internal error', data => undef };

sub bounded {
    my ($what, $list, $field, $add, %q) = @_;
    $add->() for 1 .. 2;
    my $j = api($list, %q);
    is($j->{code}, 0, "$what: two members, at the limit: listed");
    is(scalar(ref $j->{data}{$field} eq 'HASH'
              ? keys %{ $j->{data}{$field} } : @{ $j->{data}{$field} }),
       2, "$what: ... both");
    $add->();
    is_deeply(api($list, %q), $toobig, "$what: three: refused, code 2");
}

bounded('listAllGroups', 'listAllGroups', 'groupIDs',
        sub { api('createGroup') });

my $n = 0;
bounded('listAllPads', 'listAllPads', 'padIDs',
        sub { api('createPad', padID => 'lp' . $n++) });

my $g = api('createGroup')->{data}{groupID};
bounded('listPads', 'listPads', 'padIDs',
        sub { api('createGroupPad', groupID => $g, padName => 'x' . $n++) },
        groupID => $g);

my $a = api('createAuthor')->{data}{authorID};
my $sg = api('createGroup')->{data}{groupID};
my $j = api('createSession', groupID => $sg, authorID => $a,
            validUntil => time + 3600);
is($j->{code}, 0, 'a session') or diag explain $j;
api('createSession', groupID => $sg, authorID => $a,
    validUntil => time + 3600);
$j = api('listSessionsOfGroup', groupID => $sg);
is(scalar keys %{ $j->{data} // {} }, 2, 'listSessionsOfGroup: two listed');
is(scalar keys %{ api('listSessionsOfAuthor', authorID => $a)->{data} // {} },
   2, 'listSessionsOfAuthor: two listed');
api('createSession', groupID => $sg, authorID => $a,
    validUntil => time + 3600);
is_deeply(api('listSessionsOfGroup', groupID => $sg), $toobig,
          'listSessionsOfGroup: three: refused');
is_deeply(api('listSessionsOfAuthor', authorID => $a), $toobig,
          'listSessionsOfAuthor: three: refused');

# the author's pads as the append keeps them
$rc->sadd("P:author:$a:pads", 'lp0', 'lp1');
is_deeply([ sort @{ api('listPadsOfAuthor', authorID => $a)->{data}{padIDs} } ],
          [ 'lp0', 'lp1' ], 'listPadsOfAuthor: two listed');
$rc->sadd("P:author:$a:pads", 'lp2');
is_deeply(api('listPadsOfAuthor', authorID => $a), $toobig,
          'listPadsOfAuthor: three: refused');

like($ng->log, qr/TOOBIG 3 members, more than pad_redis_list_max/,
     'the refusal is logged with its reason');
unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
