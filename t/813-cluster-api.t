# The HTTP API on a real 3-primary Redis Cluster (pad_redis_cluster with
# two seeds, 2 workers): pads in every primary's slots are created,
# written and read, each pad's keys are on the primary that owns its
# slot, a pad id beginning with '}' keeps its keys in one slot
# (P{$<id>}<id>:*), listAllPads lists them all, and createPad's
# data-set marker is per slot (Pepoch{<tag>}).  Then a pad's slot is
# resharded to another primary key by key: the workers follow MOVED,
# the writes after it land on the new owner, no write is lost.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Cluster;
use Test::More;

my $cl = Test::Pad::Cluster->start(primaries => 3, replicas => 0);
ok($cl, 'a 3-primary cluster is up') or BAIL_OUT('no cluster');
my @prim = $cl->primaries;

my $dir = Test::Pad::tmpdir();
my $key = 'c' x 32;
open my $fh, '>', "$dir/APIKEY.txt" or die $!;
print $fh "$key\n";
close $fh;

my $ng = Test::Pad::start_nginx(
    workers     => 2,
    log_level   => 'info',
    http_config => "pad_redis_cluster 127.0.0.1:$prim[0] "
                 . "127.0.0.1:$prim[1];\n"
                 . "pad_redis_cluster_refresh 1h;\n"
                 . "pad_redis_backoff_max 300ms;\n"
                 . "pad_redis_command_timeout 2000ms;\n"
                 . "pad_redis_prefix t813:;\n"
                 . "pad_api_key_file $dir/APIKEY.txt;\n",
    config      => "location /socket.io/ { pad_socketio; }\n"
                 . "location /p/ { pad_http; }\n"
                 . "location /api { pad_api; }\n")
    or die "nginx did not start\n";

sub esc { my $s = shift; $s =~ s/([^A-Za-z0-9._~-])/sprintf '%%%02X', ord $1/ge; $s }

sub api {
    my ($fn, %q) = @_;
    my $qs = join '&', map { "$_=" . esc($q{$_}) } sort keys %q;
    my $r = http_get($ng, "/api/1.3.0/$fn?apikey=$key&$qs");
    return Test::Pad::json_decode($r->{body}) // { status => $r->{status},
                                                   body => $r->{body} };
}

sub slot_of {
    my $s = $cl->cli('CLUSTER', 'KEYSLOT', $_[0]);
    $s =~ s/\s+\z//;
    return $s;
}

# pads until every primary owns at least two of them
my (%by_owner, @pads);
for my $i (0 .. 200) {
    my $p = "cp$i";
    my $o = $cl->owner(slot_of("t813:{$p}:meta"));
    next if @{ $by_owner{$o} || [] } >= 2;
    push @{ $by_owner{$o} }, $p;
    push @pads, $p;
    last if @pads == 6;
}
is(scalar keys %by_owner, 3, 'pads in the slots of every primary: '
   . join(' ', map { "$_:@{ $by_owner{$_} }" } sort keys %by_owner));

my $brace = '}br';                       # its tag would be empty
push @pads, $brace;

for my $p (@pads) {
    is_deeply(api('createPad', padID => $p, text => "hello $p"),
              { code => 0, message => 'ok', data => undef }, "createPad $p");
}
for my $p (@pads) {
    is(api('setText', padID => $p, text => "text of $p")->{code}, 0,
       "setText $p");
    is(api('appendText', padID => $p, text => " more")->{code}, 0,
       "appendText $p");
}
for my $p (@pads) {
    is(api('getText', padID => $p)->{data}{text}, "text of $p more\n",
       "getText $p");
    is(api('getRevisionsCount', padID => $p)->{data}{revisions}, 2,
       "getRevisionsCount $p");
}
is_deeply([ sort @{ api('listAllPads')->{data}{padIDs} } ], [ sort @pads ],
          'listAllPads lists every pad');

for my $o (sort keys %by_owner) {
    for my $p (@{ $by_owner{$o} }) {
        is($cl->cli(port => $o, 'EXISTS', "t813:{$p}:meta") + 0, 1,
           "the keys of $p are on $o, its slot's primary");
        my $ek = $cl->cli(port => $o, 'KEYS', 't813:epoch{*}');
        like($ek, qr/^t813:epoch\{\d+\}$/m, "a per-slot marker on $o");
    }
}

# '}br': keys t813:{$br}}br:*, all in one slot
my $bslot = slot_of('t813:{$br}}br:meta');
is(slot_of('t813:{$br}}br:revs'), $bslot, "the '}' pad's keys share a slot");
my $bown = $cl->owner($bslot);
is($cl->cli(port => $bown, 'EXISTS', 't813:{$br}}br:meta') + 0, 1,
   "the '}' pad's keys are P{\$br}}br:* on $bown");

# MOVED: reshard the slot of a pad to another primary
my $mp = $pads[0];
my $mslot = slot_of("t813:{$mp}:meta");
my $from = $cl->owner($mslot);
my ($to) = grep { $_ != $from } @prim;
ok($cl->move_slot($mslot, $to), "slot $mslot of $mp moved $from -> $to");
for my $n (1 .. 5) {
    is(api('appendText', padID => $mp, text => " m$n")->{code}, 0,
       "appendText $mp after the move ($n)");
}
is(api('getText', padID => $mp)->{data}{text},
   "text of $mp more m1 m2 m3 m4 m5\n", "getText $mp: every write, in order");
is(api('getRevisionsCount', padID => $mp)->{data}{revisions}, 7,
   "getRevisionsCount $mp: 7");
is($cl->cli(port => $to, 'HGET', "t813:{$mp}:meta", 'head') + 0, 7,
   "the head (7) is on the new owner $to");
is($cl->cli(port => $from, 'CLUSTER', 'COUNTKEYSINSLOT', $mslot) + 0, 0,
   "nothing of $mp left on $from");

my $log = $ng->log;
like($log, qr/cluster: slot map read/, 'the workers read the slot map');
like($log, qr/cluster: slot $mslot moved to cluster node 127\.0\.0\.1:$to \(MOVED\)/,
     'the workers followed MOVED (the periodic read is an hour away)');
$ng->stop;
