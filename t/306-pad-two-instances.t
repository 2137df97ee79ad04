# Two nginx instances with two workers each on one Redis, writers on
# both: clients alternate between the instances; they converge, no client
# sees a gap or a duplicate (pad-sim checks newRev = rev + 1 for every
# NEW_CHANGES, batch item and ACCEPT_COMMIT), and both instances export
# the same text.  Then one instance is restarted mid-pad: its new workers
# load the pad from Redis and carry on.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;
use Encode ();

my $redis = start_redis() or die('redis-server did not start' . "\n");
my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
                 http => "pad_new_changes_batch on;\n")
        or die('nginx did not start' . "\n")
} 1 .. 2;
my @urls = map { 'http://127.0.0.1:' . $_->port } @ng;

for my $case ([8, 12, 0], [6, 10, 1]) {
    my ($n, $edits, $batch) = @$case;
    my $pad = "two-$n-$batch";
    my $r = sim(urls => \@urls, pad => $pad, clients => $n, edits => $edits,
                interval => 10, transports => ['websocket'], batch => $batch,
                seed => 77 + $n);
    ok($r->{ok}, "$n clients on two instances converge (batch opt-in "
       . "$batch)") or diag(explain($r));
    is($r->{live}, $n, 'all stayed connected');
    my @t = map { pad_text($_, $pad) } @ng;
    ok(defined $t[0] && $t[0] eq $t[1], 'both instances export the same '
       . 'text');
    is($t[0], Encode::encode('UTF-8', $r->{text} // ''),
       'which is the clients\' text');
}

# a restart of one instance while the pad lives on the other
my $pad = 'two-restart';
my $r = sim(urls => [$urls[0]], pad => $pad, clients => 3, edits => 8,
            interval => 10, transports => ['websocket'], seed => 5);
ok($r->{ok}, 'first round on instance 1');
$ng[1]->stop;
$ng[1] = engine_nginx(redis_port => $redis->port, workers => 2)
    or die('nginx did not restart' . "\n");
$urls[1] = 'http://127.0.0.1:' . $ng[1]->port;
my $r2 = sim(urls => \@urls, pad => $pad, clients => 4, edits => 8,
             interval => 10, transports => ['websocket'], seed => 6);
ok($r2->{ok}, 'second round on both instances') or diag(explain($r2));
ok($r2->{head} > $r->{head}, 'the pad went on from its stored head');
is(pad_text($ng[0], $pad), pad_text($ng[1], $pad), 'same text on both');

$_->stop for @ng;

# the appends raced: some lost at least once and were rebased again
my $conflicts = 0;
$conflicts += $_ for map { $_->log =~ /pad: engine: \d+ commits, (\d+) conflicts/g } @ng;
ok($conflicts > 0, "appends raced across workers and were rebased again "
   . "($conflicts conflicts)");
