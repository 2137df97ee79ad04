# src/cluster/ against a real 3-primary Redis Cluster (3 replicas) made by
# `redis-cli --cluster create` (Test::Pad::Cluster): the slot map parsed
# from each node's CLUSTER SLOTS is the cluster's (primaries only, every
# slot), MOVED from a wrong node and ASK from a slot being migrated parse
# to the node Redis names, and after the slot moved the map of every node
# names the new owner.  The harness's cluster is the one t/813-829 use.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad;
use Test::Pad::Cluster;
use Test::More;

my $bin = "$FindBin::Bin/../build/unit/cluster_test";
-x $bin or BAIL_OUT("$bin missing (make unit)");

sub run_bin {
    open my $fh, '-|', $bin, @_ or die "$bin: $!";
    chomp(my @l = <$fh>);
    close $fh;
    return @l;
}

my $cl = Test::Pad::Cluster->start(primaries => 3, replicas => 1);
ok($cl, 'a 3-primary cluster with 3 replicas is up') or BAIL_OUT('no cluster');

my @prim = $cl->primaries;
is(scalar @prim, 3, 'three primaries');
my @want = map { s/^(\d+) /127.0.0.1:$1 /r } $cl->ranges;
for my $p ($cl->ports) {
    is_deeply([ run_bin('map', $p) ], \@want,
              "the map from node ${p}'s CLUSTER SLOTS is the cluster's");
}
my %covered;
for (@want) { my ($s, $e) = /(\d+)-(\d+)/; $covered{$_} = 1 for $s .. $e }
is(scalar keys %covered, 16384, 'every slot served');

# a pad key on each primary, MOVED from the others
my ($pad) = run_bin('padkeys', 'ngxpad:', 'moved-pad');
my ($slot) = run_bin('slot', $pad);
my $owner = $cl->owner($slot);
my ($other) = grep { $_ != $owner } @prim;
my $err = $cl->cli(port => $other, 'GET', $pad);
$err =~ s/\s+\z//;
like($err, qr/^MOVED /, "GET on a wrong primary: $err");
is((run_bin('redirect', $err))[0], "MOVED $slot 127.0.0.1 $owner",
   'MOVED names the slot and its owner');

# ASK while the slot migrates (the key not yet there), then the move
my $to = $other;
$cl->cli(port => $owner, 'SET', $pad, 'v');
my $ask;
my $moved = $cl->move_slot($slot, $to, migrating => sub {
    $cl->cli(port => $owner, 'DEL', $pad);    # gone from the source
    ($ask = $cl->cli(port => $owner, 'GET', $pad)) =~ s/\s+\z//;
});
ok($moved, "slot $slot moved from $owner to $to");
like($ask, qr/^ASK /, "GET of a missing key of a migrating slot: $ask");
is((run_bin('redirect', $ask))[0], "ASK $slot 127.0.0.1 $to",
   'ASK names the slot and the importing node');
is($cl->owner($slot), $to, 'the cluster says the slot is on its new owner');
for my $p ($cl->ports) {
    my ($line) = grep { my ($s, $e) = /(\d+)-(\d+)/; $slot >= $s && $slot <= $e }
                     run_bin('map', $p);
    like($line, qr/^127\.0\.0\.1:$to /, "node ${p}'s map: slot $slot on $to");
}
($err = $cl->cli(port => $owner, 'GET', $pad)) =~ s/\s+\z//;
is((run_bin('redirect', $err))[0], "MOVED $slot 127.0.0.1 $to",
   'the old owner now answers MOVED to the new one');

done_testing();
