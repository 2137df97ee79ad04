# The HTTP API's saved revisions: saveRevision (a new author "API", the
# label "Saved through API call", the head by default, once per
# revision), getSavedRevisionsCount, listSavedRevisions (sorted, as
# Etherpad's getSavedRevisionsList), and a new client's CLIENT_VARS
# savedRevisions listing them beside one saved by SAVE_REVISION.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_send
                         pad_recv_until);
use Test::More;
use Test::Pad::API;
use Time::HiRes qw(time sleep);

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $key = 'savedkey0123456789';
my $kf = api_key_file($key);

my $ng = engine_nginx(redis_port => $redis->port,
    http => "pad_api_key_file $kf;\n",
    server => "location /api { pad_api; }\n")
    or die "nginx did not start\n";

sub api {
    my ($fn, $q, %o) = @_;
    return scalar api_call($ng, $key, $fn, $q, version => $o{version},
                           raw => 1);
}

my $PAD = 'apisaved';
my $c = pad_joined($ng, $PAD, 't.' . 'c' x 20) or die "c\n";
is(pad_insert($c, "$_\n"), 'accepted', "revision $_") for 1 .. 3;

my $j = api('getSavedRevisionsCount', { padID => $PAD });
is_deeply($j, { code => 0, message => 'ok', data => { savedRevisions => 0 } },
          'getSavedRevisionsCount: 0');
$j = api('listSavedRevisions', { padID => $PAD });
is_deeply($j->{data}, { savedRevisions => [] }, 'listSavedRevisions: []');

$j = api('saveRevision', { padID => $PAD, rev => 2 });
is_deeply($j, { code => 0, message => 'ok', data => undef },
          'saveRevision(rev 2)');
$j = api('saveRevision', { padID => $PAD });
is($j->{code}, 0, 'saveRevision(): the head');
$j = api('saveRevision', { padID => $PAD, rev => 1 });
is($j->{code}, 0, 'saveRevision(rev 1)');
$j = api('saveRevision', { padID => $PAD, rev => 2 });
is($j->{code}, 0, 'saveRevision(rev 2) again: ok, silently');

# SAVE_REVISION from the client: the head (3) is saved already
pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'SAVE_REVISION' } });
is(pad_insert($c, "4\n"), 'accepted', 'revision 4');
pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'SAVE_REVISION' } });
ok(wait_until(sub { (api('getSavedRevisionsCount', { padID => $PAD }))
                    ->{data}{savedRevisions} == 4 }, 5),
   'a client saves revision 4: getSavedRevisionsCount 4');

$j = api('listSavedRevisions', { padID => $PAD });
is_deeply($j->{data}, { savedRevisions => [ 1, 2, 3, 4 ] },
          'listSavedRevisions: sorted');

$j = api('saveRevision', { padID => $PAD, rev => 5 });
is_deeply($j, { code => 1, data => undef, message => 'rev is higher than the '
                . 'head revision of the pad' }, 'saveRevision(rev 5)');
$j = api('saveRevision', { padID => $PAD, rev => 'x' });
is($j->{message}, 'rev is not a number', 'saveRevision(rev x)');
$j = api('saveRevision', { padID => $PAD, rev => -1 });
is($j->{message}, 'rev is not a negative number', 'saveRevision(rev -1)');
for my $fn (qw(saveRevision getSavedRevisionsCount listSavedRevisions)) {
    $j = api($fn, { padID => 'nosuchpad' });
    is($j->{message}, 'padID does not exist', "$fn of no pad");
    $j = api($fn, {});
    is($j->{message}, 'padID is not a string', "$fn without padID");
    $j = api($fn, { padID => $PAD }, version => '1.2.10');
    is($j->{code}, 3, "$fn is not in 1.2.10");
}

# a new client sees them
my $d = pad_joined($ng, $PAD, 't.' . 'd' x 20) or die "d\n";
my $sr = $d->{vars}{savedRevisions};
is(ref $sr eq 'ARRAY' && scalar @$sr, 4, 'CLIENT_VARS savedRevisions: 4');
my ($api2) = grep { $_->{revNum} == 2 } @$sr;
is($api2 && $api2->{label}, 'Saved through API call', 'label of the API\'s');
like($api2 && $api2->{id}, qr/^[0-9a-zA-Z]{10}$/, 'id: randomString(10)');
ok($api2 && $api2->{timestamp} > (time - 60) * 1000, 'timestamp: ms');
like($api2 && $api2->{savedById}, qr/^a\.[0-9a-zA-Z]{16}$/,
     'savedById: a new author');
my ($own) = grep { $_->{revNum} == 4 } @$sr;
is($own && $own->{savedById}, $c->{id}, 'revision 4 saved by the client');
my @by = map { $_->{savedById} } grep { $_->{revNum} != 4 } @$sr;
my %by = map { $_ => 1 } @by;
is(scalar keys %by, 3, 'a new author for each saveRevision');

my $rc = $redis->client;
is($rc->hget("ngxpad:author:$api2->{savedById}", 'name'), 'API',
   'the author is named "API"');
like($rc->hget("ngxpad:author:$api2->{savedById}", 'color'), qr/^\d+$/,
     '... with a colour of the palette');

$c->{ws}->close;
$d->{ws}->close;
$ng->stop;
unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
