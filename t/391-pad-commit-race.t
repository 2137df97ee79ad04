# Commit races across workers: 2 nginx workers, several closed-loop
# writers on ONE pad (plus a few readers), so that almost every append of
# one worker races an append of the other.  A lost race must never cost a
# valid commit: no disconnect, no "giving up", every client's text equals
# export/txt, and the conflicts counted in the log were all retried.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;
use Cpanel::JSON::XS;

my $padload = "$Test::Pad::ROOT/build/padload";
plan skip_all => 'build/padload not built' unless -x $padload;

my $redis = start_redis() or die 'redis-server did not start';
my $ng = engine_nginx(redis_port => $redis->port, workers => 2)
    or die 'nginx did not start';

for my $round (1 .. 3) {
    my $log0 = -s $ng->error_log_path || 0;
    my $out = `$padload --port @{[ $ng->port ]} --procs 2 --duration 1.5 --warmup 0.2 --join-max 30 --drain-max 10 --pads 1 --writers 8 --readers 4 --prefix t391r${round}x$$ 2>&1`;
    my ($json) = $out =~ /^(\{.*\})$/m;
    my $r = eval { decode_json($json) } || {};
    diag($out) unless $r->{commits} && !$r->{errors} && !$r->{mismatches};
    my $log = '';
    if (open my $h, '<', $ng->error_log_path) {
        seek $h, $log0, 0;
        local $/;
        $log = <$h>;
    }
    my @bad = $log =~ /^.*(?:giving up|bad changeset|commit timed out|\[alert\]|\[emerg\]).*$/mg;
    diag(join "\n", @bad[0 .. ($#bad > 9 ? 9 : $#bad)]) if @bad;
    if (@bad && $ENV{T391_SAVE_LOG}) {
        open my $o, '>', $ENV{T391_SAVE_LOG} or die;
        print $o $log;
    }
    ok($r->{commits} > 100, "round $round: commits acknowledged ($r->{commits})");
    is($r->{errors}, 0, "round $round: no errors");
    is($r->{mismatches}, 0, "round $round: every text equals export/txt");
    is($r->{gaps}, 0, "round $round: no gaps");
    is($r->{dups}, 0, "round $round: no duplicates");
    is($r->{checked}, $r->{clients}, "round $round: every client checked");
    is(scalar @bad, 0, "round $round: no commit given up or refused");
}

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
