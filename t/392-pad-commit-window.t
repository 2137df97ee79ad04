# Commits older than the revision window: 2 nginx workers, many
# closed-loop writers on ONE pad and a small pad_revisions_window, so that
# commits waiting in a worker's FIFO while the other worker's appends win
# fall behind the in-memory window.  Their baseRev is still valid: the
# revisions they are rebased over are read from Redis (never a
# badChangeset for a valid edit), and every client's text equals
# export/txt.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;
use Cpanel::JSON::XS;

my $padload = "$Test::Pad::ROOT/build/padload";
plan skip_all => 'build/padload not built' unless -x $padload;

my $redis = start_redis() or die 'redis-server did not start';
my $ng = engine_nginx(redis_port => $redis->port, workers => 2,
                     http => "pad_revisions_window 150;\n")
    or die 'nginx did not start';

for my $round (1 .. 3) {
    my $log0 = -s $ng->error_log_path || 0;
    my $out = `$padload --port @{[ $ng->port ]} --procs 2 --duration 1.5 --warmup 0.2 --join-max 30 --drain-max 10 --pads 1 --writers 24 --readers 4 --prefix t392r${round}x$$ 2>&1`;
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
