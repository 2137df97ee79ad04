# The benchmark's load generator (build/padload) against the engine, short:
# 2 nginx workers, pad_new_changes_batch on; closed-loop writers rebasing
# over incoming revisions and readers on 3 pads, then the etherpad-load-test
# pattern; every client's text must equal export/txt, with no error, gap or
# duplicate, and commits must have been acknowledged.
# A lost append race must never cost a valid commit (t/391 stresses it).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT padload);

my $padload = "$Test::Pad::ROOT/build/padload";
plan skip_all => 'build/padload not built' unless -x $padload;

my $redis = start_redis() or BAIL_OUT('redis-server did not start');
my $ng = engine_nginx(redis_port => $redis->port, workers => 2,
                      http => "pad_new_changes_batch on;\n")
    or BAIL_OUT('nginx did not start');

sub run_padload {
    my (@args) = @_;
    my ($r, $out) = padload($ng, '--procs 2 --duration 1 --warmup 0.3 '
                            . '--join-max 30 --drain-max 10', @args);
    diag($out) unless $r && !$r->{errors};
    return $r || {};
}

for my $case (['closed loop', '--pads 3 --writers 3 --readers 5 --prefix t390a'],
              ['load-test pattern', '--pads 2 --writers 4 --readers 4 --timed '
                                    . '--interval 100 --ins 4 --prefix t390b'])
{
    my ($name, $args) = @$case;
    my $log0 = -s $ng->error_log_path || 0;
    my $r = run_padload(split / /, $args);
    my $log = '';
    if (open my $h, '<', $ng->error_log_path) {
        seek $h, $log0, 0;
        local $/;
        $log = <$h>;
    }
    my $races = () = $log =~ /giving up|bad changeset/g;
    ok($r->{commits} > 0, "$name: commits acknowledged ($r->{commits})");
    ok($r->{delivered} > 0, "$name: revisions delivered ($r->{delivered})");
    is($r->{gaps}, 0, "$name: no gaps");
    is($r->{dups}, 0, "$name: no duplicates");
    is($r->{checked}, $r->{clients}, "$name: every client checked");
    is($races, 0, "$name: no commit given up or refused");
    is($r->{errors}, 0, "$name: no errors");
    is($r->{mismatches}, 0, "$name: every text equals export/txt");
    ok(defined $r->{fanout_lat_us}{p99}
       && $r->{fanout_lat_us}{p99} > 0, "$name: fan-out latency measured");
}
