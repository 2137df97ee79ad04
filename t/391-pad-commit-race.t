# Commit races across workers: 2 nginx workers, several closed-loop
# writers on ONE pad (plus a few readers), so that almost every append of
# one worker races an append of the other.  A lost race must never cost a
# valid commit: no disconnect, no "giving up", every client's text equals
# export/txt, and the conflicts counted in the log were all retried.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT padload_race);

plan skip_all => 'build/padload not built'
    unless -x "$Test::Pad::ROOT/build/padload";

my $redis = start_redis() or die 'redis-server did not start';
my $ng = engine_nginx(redis_port => $redis->port, workers => 2)
    or die 'nginx did not start';

padload_race($ng, writers => 8, readers => 4, prefix => 't391');

# the appends did race (else this test proves nothing)
$ng->stop;
my ($conflicts) = 0;
if (open my $h, '<', $ng->error_log_path) {
    local $/;
    my $log = <$h>;
    $conflicts += $_ for $log =~ /pad: engine: \d+ commits, (\d+) conflicts/g;
}
ok($conflicts > 0, "appends raced across workers and were retried "
   . "($conflicts conflicts)");
