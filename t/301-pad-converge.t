# Concurrent editing through the pad engine: 2, 5 and 20 simulated
# browser clients (t/js/pad/pad-sim.js: same-position inserts, random
# inserts, deletes, bold, emoji, newlines) on one pad, spread over two
# workers; every client ends with the same text as GET export/txt, and no
# client ever saw a revision out of order.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;
use Encode ();

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port, workers => 2)
    or die('nginx did not start' . "\n");

my $url = 'http://127.0.0.1:' . $ng->port;

for my $case ([2, 30, 'two'], [5, 20, 'five'], [20, 6, 'twenty']) {
    my ($n, $edits, $name) = @$case;
    my $pad = "converge-$name";
    my $r = sim(urls => [$url], pad => $pad, clients => $n,
                edits => $edits, interval => 15,
                transports => ['websocket'], seed => 1000 + $n);
    ok($r->{ok}, "$n clients converge") or diag(explain($r));
    is($r->{live}, $n, "$n clients stayed connected");
    ok(!@{ $r->{violations} || [] }, 'no ordering violation')
        or diag(explain($r->{violations}));
    ok($r->{head} >= $n, "$n clients: $r->{head} revisions");
    my $text = pad_text($ng, $pad);
    ok(defined $text && defined $r->{text}
       && $text eq Encode::encode('UTF-8', $r->{text}),
       "$n clients: export/txt is the clients' text");
    ok(($r->{counts}{NEW_CHANGES} || 0) > 0, 'NEW_CHANGES were sent');
    ok(!$r->{counts}{NEW_CHANGES_BATCH}, 'no batch without opt-in');
}

$ng->stop;
my @engines = $ng->log =~ /pad: engine: (\d+) commits/g;
is(scalar @engines, 2, 'both workers ran the engine');
