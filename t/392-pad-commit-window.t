# Commits older than the revision window: 2 nginx workers, many
# closed-loop writers on ONE pad and a small pad_revisions_window, so that
# commits waiting in a worker's FIFO while the other worker's appends win
# fall behind the in-memory window.  Their baseRev is still valid: the
# revisions they are rebased over are read from Redis (never a
# badChangeset for a valid edit), and every client's text equals
# export/txt.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT padload_race);

plan skip_all => 'build/padload not built'
    unless -x "$Test::Pad::ROOT/build/padload";

my $redis = start_redis() or die 'redis-server did not start';
my $ng = engine_nginx(redis_port => $redis->port, workers => 2,
                     http => "pad_revisions_window 150;\n")
    or die 'nginx did not start';

padload_race($ng, writers => 24, readers => 4, prefix => 't392');

# commits did fall behind the window (else this test proves nothing)
$ng->stop;
my $reads = 0;
if (open my $h, '<', $ng->error_log_path) {
    local $/;
    my $log = <$h>;
    $reads = () = $log =~ /commit on \d+ reads revisions \d+\.\.\d+/g;
}
ok($reads > 0, "commits older than the window read revisions from Redis "
   . "($reads reads)");
