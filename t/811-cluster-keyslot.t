# src/cluster/'s slots against a real cluster-enabled redis-server: its
# CLUSTER KEYSLOT of assorted keys (hash tags of every shape) and of
# every key of pads in cluster mode ('}'-leading ids too) equals ours, and
# all keys of one pad are in one slot by Redis's own count, and the
# per-slot tags hash to their slots.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad;
use Test::Pad::Cluster;
use Test::More;

my $bin = "$FindBin::Bin/../build/unit/cluster_test";
-x $bin or BAIL_OUT("$bin missing (make unit)");

my $dir = Test::Pad::tmpdir('cluster');
my $r = Test::Pad::start_redis(dir => $dir,
    port => Test::Pad::Cluster::free_port(), args => [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', "$dir/nodes.conf"]);
ok($r, 'a cluster-enabled redis-server started') or BAIL_OUT('no redis');
my $c = $r->client;

my @keys = ('foo', 'bar', '', '{user1000}.following', 'foo{}{bar}',
            'foo{{bar}}zap', 'foo{bar}{zap}', 'foo{bar', '}{', '{}',
            '{a}', 'a{b}c{d}', "\x{e9}t\x{e9}", 'ngxpad:{pad}:meta',
            map { "k$_" . ('x' x ($_ % 7)) . ($_ % 3 ? '{t' . $_ % 11 . '}' : '') }
                1 .. 300);
utf8::encode($_) for @keys;

sub run_bin {
    open my $fh, '-|', $bin, @_ or die "$bin: $!";
    chomp(my @l = <$fh>);
    close $fh;
    return @l;
}

my @ours = run_bin('slot', @keys);
is(scalar @ours, scalar @keys, 'a slot for each key');
my @bad = grep { $c->cluster('KEYSLOT', $keys[$_]) != ($ours[$_] // -1) }
              0 .. $#keys;
is(scalar @bad, 0, 'CLUSTER KEYSLOT agrees on ' . @keys . ' keys')
    or diag(join "\n", map { "$keys[$_]: ours $ours[$_], redis "
                             . $c->cluster('KEYSLOT', $keys[$_]) } @bad);

my @pads = ('plain', 'a}b', '{x}', '{}', '}', '}}', '}x', '}}a}b', 'x{',
            '}a:b', 'g.AAAAAAAAAAAAAAAA$notes', '}g.AAAAAAAAAAAAAAAA$n');
my @pk = run_bin('padkeys', 'ngxpad:', @pads);
is(scalar @pk, scalar @pads, 'a key for each pad');
my %slots;
for my $i (0 .. $#pk) {
    my $meta = $pk[$i];
    my %s;
    for my $suffix (qw(meta revs pool snap snapidx chat ro conn saved ch)) {
        (my $k = $meta) =~ s/:meta\z/:$suffix/;
        $s{ $c->cluster('KEYSLOT', $k) } = 1;
    }
    is(scalar keys %s, 1, "Redis puts every key of pad \"$pads[$i]\" "
       . "($meta) in one slot");
    $slots{$_} = 1 for keys %s;
}
ok(keys %slots > 4, 'the pads are spread over slots (' . keys(%slots)
   . ' slots for ' . @pads . ' pads)');

# the '}'-leading pads alone were spread by Redis too, not on one slot
my %lead = map { $c->cluster('KEYSLOT', $pk[$_]) => 1 }
               grep { $pads[$_] =~ /^\}/ } 0 .. $#pads;
ok(keys %lead > 2, "'}'-leading pads are not all on one slot");

# the per-slot tags: Redis puts "ngxpad:epoch{<tag>}" in the tag's slot
my %tag = map { split / / } run_bin('tags');
is(scalar keys %tag, 16384, 'a tag for each slot');
my @sample = map { $_ * 97 % 16384 } 0 .. 199;
my @wrong = grep { $c->cluster('KEYSLOT', "ngxpad:epoch{$tag{$_}}") != $_ }
                @sample;
is(scalar @wrong, 0, 'Redis agrees on the slot of 200 slot tags')
    or diag("wrong: @wrong[0 .. ($#wrong < 9 ? $#wrong : 9)]");

$r->stop;
done_testing();
