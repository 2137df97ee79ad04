# The HTTP API: setPublicStatus and getPublicStatus (group pads only,
# getPadSafe, P{pad}:meta "public") and listPadsOfAuthor (the pads an
# author wrote a revision of, kept by the store at the append), against
# Etherpad's answers.

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
my ($T, $F) = (Cpanel::JSON::XS::true(), Cpanel::JSON::XS::false());

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
my $gp = "$g\$doc";

# --- public status -------------------------------------------------------

my $only = 'You can only get/set the publicStatus of pads that belong to '
         . 'a group';
is_deeply(api('getPublicStatus', padID => 'plain'), err1($only),
          'getPublicStatus of a pad outside a group');
is_deeply(api('setPublicStatus', padID => 'plain', publicStatus => 'true'),
          err1($only), 'setPublicStatus too');
is_deeply(api('getPublicStatus'), err1('padID is not a string'),
          'no padID');
is_deeply(api('getPublicStatus', padID => "$g\$nosuch"),
          err1('padID does not exist'), 'a group pad that does not exist');
is_deeply(api('setPublicStatus', padID => "$g\$nosuch",
              publicStatus => 'true'),
          err1('padID does not exist'), '... set');
ok(!$rc->exists("P:{$g\$nosuch}:meta"), '... which writes nothing');

my $au = api('createAuthor', name => 'pat')->{data}{authorID};
my $sid = api('createSession', groupID => $g, authorID => $au,
              validUntil => time + 3600)->{data}{sessionID};
my $c = pad_joined($ng, $gp, undef, msg => { sessionID => $sid });
ok($c, 'a client with a session creates the group pad') or die;
$c->{ws}->close;
my $tok = 't.' . 'q' x 20;
ok(!pad_joined($ng, $gp, $tok), 'a private group pad: no join without one');
is_deeply(api('getPublicStatus', padID => $gp),
          ok_data({ publicStatus => $F }),
          'getPublicStatus: false');
is_deeply(api('setPublicStatus', padID => $gp, publicStatus => 'true'),
          ok_data(undef), 'setPublicStatus true');
is($rc->hget("P:{$gp}:meta", 'public'), '1', '... P{pad}:meta public 1');
is_deeply(api('getPublicStatus', padID => $gp),
          ok_data({ publicStatus => $T }),
          'getPublicStatus: true');
$c = pad_joined($ng, $gp, $tok);
ok($c, 'a public pad: joined without a session');
$c->{ws}->close if $c;
api('setPublicStatus', padID => $gp, publicStatus => 'yes');
is_deeply(api('getPublicStatus', padID => $gp),
          ok_data({ publicStatus => $F }),
          '"yes" is not true');
ok(!defined $rc->hget("P:{$gp}:meta", 'public'), '... the field is gone');
api('setPublicStatus', padID => $gp, publicStatus => 'TRUE');
is(api('getPublicStatus', padID => $gp)->{data}{publicStatus}, 1,
   '"TRUE" is true (lower-cased)');
api('setPublicStatus', padID => $gp);
is(api('getPublicStatus', padID => $gp)->{data}{publicStatus}, 0,
   'no publicStatus: not public');

# --- listPadsOfAuthor ----------------------------------------------------

is_deeply(api('listPadsOfAuthor', authorID => 'a.nosuch'),
          err1('authorID does not exist'), 'listPadsOfAuthor of no author');
is_deeply(api('listPadsOfAuthor'), err1('authorID does not exist'),
          '... without authorID');
my $fresh = api('createAuthor')->{data}{authorID};
is_deeply(api('listPadsOfAuthor', authorID => $fresh),
          ok_data({ padIDs => [] }), 'an author without pads: []');

my $w = pad_joined($ng, 'apads1', 't.' . 'w' x 20);
ok($w, 'a writer joins apads1') or die;
my $me = $w->{vars}{userId};
is_deeply(api('listPadsOfAuthor', authorID => $me),
          ok_data({ padIDs => [] }), 'joining is not editing');
is(pad_insert($w, "one\n"), 'accepted', 'the writer types');
is(pad_insert($w, "two\n"), 'accepted', '... twice');
$w->{ws}->close;
my $w2 = pad_joined($ng, 'apads2', 't.' . 'w' x 20);
ok($w2 && $w2->{vars}{userId} eq $me, 'the same author joins apads2')
    or die;
is(pad_insert($w2, "x"), 'accepted', '... and types');
$w2->{ws}->close;
is($rc->scard("P:author:$me:pads"), 2, 'Pauthor:<a>:pads has the two');
my $j = api('listPadsOfAuthor', authorID => $me);
is_deeply([ sort @{ $j->{data}{padIDs} } ], [ 'apads1', 'apads2' ],
          'listPadsOfAuthor: both pads');

# a pad whose records are gone is left out
$rc->del("P:{apads2}:meta");
is_deeply(api('listPadsOfAuthor', authorID => $me),
          ok_data({ padIDs => [ 'apads1' ] }),
          'a pad that does not exist is left out');

# deletePad takes the pad out of its authors' lists (AuthorManager.removePad)
is(api('deletePad', padID => 'apads1')->{code}, 0, 'deletePad apads1');
is($rc->scard("P:author:$me:pads"), 1, '... its author\'s list lost it');
ok(!$rc->sismember("P:author:$me:pads", 'apads1'), '... apads1 is gone');
is(api('createPad', padID => 'apads1')->{code}, 0,
   'apads1 created anew (by no author)');
is_deeply(api('listPadsOfAuthor', authorID => $me), ok_data({ padIDs => [] }),
          'the new apads1 is not the old author\'s');

unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
