# CHANGESET_REQ (the timeslider): composites of granularity 1, 10 and 100
# over a pad with more revisions than the snapshot interval; forward
# changesets rebuild the text, backward ones (inverse) undo each step.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port,
                      http => "pad_snapshot_interval 10;\n")
    or die('nginx did not start' . "\n");
my $url = 'http://127.0.0.1:' . $ng->port;

my $r = sim(urls => [$url], pad => 'slider', clients => 3, edits => 25,
            interval => 10, transports => ['websocket'], seed => 31);
ok($r->{ok}, 'a pad with history') or diag(explain($r));
ok($r->{head} > 20, "$r->{head} revisions (key snapshots every 10)");

my ($rc, $out, $err) = node_run("$Test::Pad::ROOT/t/js/pad/csreq-check.js",
    args => [ json_encode({ url => $url, pad => 'slider' }) ],
    npm => [ 'socketio-client', 'etherpad-clients' ], timeout => 60);
my ($line) = grep { /^\{/ } split /\n/, $out;
my $c = $line ? json_decode($line) : undef;
ok($c && $c->{ok}, 'forwards rebuild the text, backwards undo every step')
    or diag(explain($c), $err);
is($c->{head}, $r->{head}, 'same head');
$ng->stop;
