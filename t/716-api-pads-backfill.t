# Pads written before the all-pads index Ppads existed (older module
# versions): listAllPads does not know them until they are loaded; the
# store's load (load.lua, the join path and the HTTP reads) adds a pad it
# finds to Ppads with one SADD, so they appear without KEYS or SCAN.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert);
use Test::More;
use Test::Pad::API;

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $rc = $redis->client;

my $key = 'b' x 32;
my $kf = api_key_file($key);

my $ng = engine_nginx(redis_port => $redis->port, workers => 2,
    http   => "pad_api_key_file $kf;\n"
            . "pad_redis_prefix t716:;\n",
    server => "location /api { pad_api; }\n")
    or die "nginx did not start\n";

sub api {
    my ($fn, %q) = @_;
    return scalar api_call($ng, $key, $fn, \%q, raw => 1);
}
sub all_pads { api('listAllPads')->{data}{padIDs} }

# the load's SADD is not awaited (the read's answer may reach the client
# before it reaches Redis from the other worker's connection): poll
sub all_pads_become {
    my ($want) = @_;
    my $got;
    for (1 .. 40) {
        $got = all_pads();
        return $got if join(',', @$got) eq join(',', @$want);
        select(undef, undef, undef, 0.05);
    }
    return $got;
}

# two pads as an older version wrote them: meta without hist, no index
for my $p (qw(old1 old2)) {
    $rc->hset("t716:{$p}:meta", 'head', 0, 'pool_next', 0, 'created', 1,
              'updated', 1);
    $rc->hset("t716:{$p}:revs", 0, '{"type":"rev","rev":0,"cs":"Z:1>5+5$'
              . "$p!" . '","author":"","ts":1,"pool":{}}');
}
is_deeply(api('createPad', padID => 'new1'),
          { code => 0, message => 'ok', data => undef }, 'createPad new1');
is_deeply(all_pads(), [ 'new1' ], 'listAllPads: only the indexed pad');
ok(!$rc->sismember('t716:pads', 'old1'), 'old1 is not in Ppads');

# a client joins old1: the join's load indexes it
my $c = pad_joined($ng, 'old1', 't.' . 'o' x 20);
ok($c && $c->{text} eq "old1!\n", 'a client joins old1 (its stored text)');
is_deeply(all_pads_become([ 'new1', 'old1' ]), [ 'new1', 'old1' ], 'listAllPads lists old1 now');
ok($rc->sismember('t716:pads', 'old1'), '... from Ppads (one SADD)');
is(pad_insert($c, 'x'), 'accepted', 'and the pad works as any other');
$c->{ws}->close;

# an HTTP read loads too
is(api('getText', padID => 'old2')->{data}{text}, "old2!\n",
   'getText of old2');
is_deeply(all_pads_become([ 'new1', 'old1', 'old2' ]),
          [ 'new1', 'old1', 'old2' ], '... which indexes it');

# a pad that does not exist is not indexed by a read
is(api('getText', padID => 'none')->{message}, 'padID does not exist',
   'getText of no pad');
ok(!$rc->sismember('t716:pads', 'none'), '... adds nothing to Ppads');

unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
$redis->stop;
