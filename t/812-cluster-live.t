# src/cluster/ against a real 3-primary Redis Cluster (3 replicas) made by
# `redis-cli --cluster create` (Test::Pad::Cluster): the slot map parsed
# from each node's CLUSTER SLOTS is the cluster's (primaries only, every
# slot), MOVED from a wrong node and ASK from a slot being migrated parse
# to the node Redis names, and after the slot moved the map of every node
# names the new owner; a sharded subscriber (parsed by src/cluster/) gets
# SPUBLISH also while its slot migrates, then "sunsubscribe <ch> 0".  The harness's cluster is the one t/813-829 use.
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

# sharded pub/sub: a subscriber of a pad's channel gets SPUBLISH, also
# while the slot migrates, and "sunsubscribe <ch> 0" when the slot moved;
# subscribed where the slot now lives, it gets messages again
use IO::Select;

sub subscriber {
    my ($port, $ch) = @_;
    my $pid = open my $fh, '-|', $bin, 'subscribe', $port, $ch, 10
        or die "$bin: $!";
    my $line = read_line($fh);
    return ($fh, $pid, $line);
}

sub read_line {
    my ($fh) = @_;
    return IO::Select->new($fh)->can_read(Test::Pad::scaled(10))
        ? scalar(<$fh>) // 'eof' : 'no line';
}

my ($ckey) = run_bin('padkeys', 'ngxpad:', 'sub-pad');
(my $ch = $ckey) =~ s/:meta\z/:ch/;
my ($cslot) = run_bin('slot', $ch);
my $cowner = $cl->owner($cslot);
my ($fh, $pid, $l) = subscriber($cowner, $ch);
is($l, "ssubscribe $ch 1\n", "SSUBSCRIBE $ch on its owner $cowner");
$cl->cli(port => $cowner, 'SPUBLISH', $ch, 'one');
is(read_line($fh), "smessage $ch one\n", 'SPUBLISH delivered');

my ($cto) = grep { $_ != $cowner } $cl->primaries;
my $during;
ok($cl->move_slot($cslot, $cto, migrating => sub {
    $during = $cl->cli(port => $cowner, 'SPUBLISH', $ch, 'two');
}), "slot $cslot moved from $cowner to $cto");
like($during, qr/^1\s*\z/, 'SPUBLISH while migrating reached the subscriber');
is(read_line($fh), "smessage $ch two\n", 'and it was delivered');
is(read_line($fh), "sunsubscribe $ch 0\n",
   'the slot moved: "sunsubscribe <ch> 0" pushed');
waitpid $pid, 0;
close $fh;

($fh, $pid, $l) = subscriber($cto, $ch);
is($l, "ssubscribe $ch 1\n", "SSUBSCRIBE again on the new owner $cto");
like($cl->cli(port => $cowner, 'SPUBLISH', $ch, 'x'), qr/^MOVED $cslot /,
     'SPUBLISH on the old owner: MOVED');
$cl->cli(port => $cto, 'SPUBLISH', $ch, 'three');
is(read_line($fh), "smessage $ch three\n", 'delivered on the new owner');

# a script writes the pad's keys and SPUBLISHes on its channel (what the
# store's scripts do in cluster mode); a channel on another node is
# refused at that call, after the script's earlier writes (a script is
# not rolled back): the scripts must publish on their own slot only
(my $rk = $ckey) =~ s/:meta\z/:revs/;
my $lua = "redis.call('HSET', KEYS[1], 'n', ARGV[2]) "
        . "return redis.call('SPUBLISH', ARGV[1], ARGV[2])";
like($cl->cli(port => $cto, 'EVAL', $lua, 1, $rk, $ch, 'four'), qr/^1\s*\z/,
     'EVAL with SPUBLISH on the pad\'s own channel: one receiver');
is(read_line($fh), "smessage $ch four\n", 'the script\'s message delivered');
my ($far) = grep { $cl->owner((run_bin('slot', $_))[0]) != $cto }
               map { "other{$_}" } 1 .. 50;
my $e = $cl->cli(port => $cto, 'EVAL', $lua, 1, $rk, $far, 'five');
like($e, qr/non local key/,
     'SPUBLISH on a channel of another node is refused');
is($cl->cli(port => $cto, 'HGET', $rk, 'n'), "five\n",
   'after the write before it (no rollback)');
kill 'TERM', $pid;
waitpid $pid, 0;

done_testing();
