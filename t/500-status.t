# pad_status and pad_metrics_zone: the metrics of every worker in one
# shared memory zone, as Prometheus text (checked by Debian's promtool) and
# as JSON; counters summed over the workers, kept across a reload and
# across a worker that was killed; gauges only of live workers; bad
# requests and bad directives refused.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Time::HiRes qw(sleep);

use_redis();
run_tests();

my $conf = <<'C';
location /socket.io/ { pad_socketio; }
location = /status { pad_status; }
location = /private { pad_status; deny all; }
C

sub status {
    my ($ng, $fmt) = @_;
    my $r = http_get($ng, '/status' . ($fmt ? "?format=$fmt" : ''));
    return $r;
}

sub metrics {
    my ($ng) = @_;
    my $r = status($ng, 'json');
    return Test::Pad::json_decode($r->{body} // '') || {};
}

sub promtool_ok {
    my ($text) = @_;
    my $f = tmpdir('prom') . '/metrics.txt';
    open my $fh, '>', $f or die "$f: $!";
    print $fh $text;
    close $fh;
    my $out = `promtool check metrics < "$f" 2>&1`;
    return ($? == 0, $out);
}

my $ng = start_nginx(redis => 1, workers => 2, config => $conf)
    or die "nginx did not start\n";

ok(wait_until(sub { (metrics($ng)->{pad_redis_connected} // 0) == 2 }, 10),
   'both workers\' Redis command connections are counted');

my $r = status($ng);
is($r->{status}, 200, 'GET /status');
like($r->{headers}{'content-type'} // '', qr{^text/plain; version=0\.0\.4},
     'Prometheus text exposition');
my ($ok, $out) = promtool_ok($r->{body});
ok($ok, 'promtool check metrics accepts it') or diag($out, $r->{body});
unlike($out, qr/\S/, 'without a lint warning') or diag($out);

for my $family (qw(pad_sessions pad_pads_loaded pad_joins_total
                   pad_commits_total pad_commits_refused_total
                   pad_revisions_delivered_total pad_new_changes_batches_total
                   pad_slow_consumer_closes_total pad_redis_commands_total
                   pad_redis_reconnects_total pad_handovers_total
                   pad_commit_seconds pad_fanout_seconds
                   pad_redis_command_seconds pad_workers pad_info)) {
    like($r->{body}, qr/^# TYPE \Q$family\E (counter|gauge|histogram)$/m,
         "$family is exposed");
}
like($r->{body}, qr/^pad_sessions\{transport="websocket"\} 0$/m,
     'labelled gauge');
like($r->{body}, qr/^pad_redis_command_seconds_bucket\{le="\+Inf"\} \d+$/m,
     'histogram buckets end with +Inf');
like($r->{body}, qr/^pad_info\{version="\d+\.\d+\.\d+"\} 1$/m,
     'the version');

my $m = metrics($ng);
is($m->{workers}, 2, 'JSON: two workers');
ok($m->{pad_redis_commands_total} > 0, 'Redis commands were counted '
   . "($m->{pad_redis_commands_total})");
my $h = $m->{pad_redis_command_seconds};
is($h->{count}, $m->{pad_redis_commands_total}, 'one latency sample per '
   . 'answered command');
is($h->{buckets}{'+Inf'}, $h->{count}, 'the +Inf bucket holds them all');
my @b = map { $h->{buckets}{$_} } sort { $a <=> $b }
        grep { $_ ne '+Inf' } keys %{ $h->{buckets} };
ok(!grep({ $b[$_] < $b[$_ - 1] } 1 .. $#b), 'buckets are cumulative');
is(ref $m->{pad_joins_total}, 'HASH', 'a labelled family is an object');

# Prometheus and JSON agree
my $p = status($ng)->{body};
my ($pc) = $p =~ /^pad_redis_commands_total (\d+)$/m;
ok($pc >= $m->{pad_redis_commands_total}, 'the text and the JSON count the '
   . 'same commands');

# requests it refuses
is(status($ng, 'xml')->{status}, 400, 'an unknown format: 400');
is(http_post($ng, '/status', 'x')->{status}, 405, 'POST: 405');
is(http_get($ng, '/private')->{status}, 403, 'allow/deny restricts it');

# counters survive a reload (the zone is reused) and a killed worker
my $before = metrics($ng)->{pad_redis_commands_total};
$ng->reload;
ok(wait_until(sub { (metrics($ng)->{workers} // 0) == 2 }, 10),
   'after a reload: two workers again');
my $after = metrics($ng)->{pad_redis_commands_total};
ok($after >= $before, "counters did not go back across a reload "
   . "($before -> $after)");

my ($victim) = $ng->worker_pids;
$before = metrics($ng)->{pad_redis_commands_total};
ok($ng->check_log('before the kill'), 'nothing bad logged so far');
kill 'KILL', $victim;
ok(wait_until(sub {
    my @w = $ng->worker_pids;
    @w == 2 && !grep { $_ == $victim } @w
}, 10), 'the killed worker was replaced');
ok(wait_until(sub { (metrics($ng)->{pad_redis_connected} // 0) == 2 }, 10),
   'the dead worker\'s gauge is not counted, the new one\'s is');
$after = metrics($ng)->{pad_redis_commands_total};
ok($after >= $before, "counters did not go back when a worker died "
   . "($before -> $after)");
is(metrics($ng)->{workers}, 2, 'two live workers counted');
ok($ng->wait_log(qr/worker process $victim exited on signal 9/),
   'the master saw the kill');
$ng->check_log('after the kill',
               qr/\[alert\].* worker process $victim exited on signal 9$/);

$ng->stop;
ok($ng->check_log, 'no alert or crit in the log');

__DATA__

=== TEST 1: pad_metrics_zone with a size below 64k
--- must_die
--- http_config
pad_metrics_zone pad 16k;
--- config
location = /status { pad_status; }
--- error_log
"pad_metrics_zone": invalid size "16k", must be 64k..64m

=== TEST 2: pad_metrics_zone twice
--- must_die
--- http_config
pad_metrics_zone pad 1m;
pad_metrics_zone other 1m;
--- config
location = /status { pad_status; }
--- error_log
"pad_metrics_zone" directive is duplicate

=== TEST 3: pad_status takes no arguments
--- must_die
--- config
location = /status { pad_status on; }
--- error_log
invalid number of arguments in "pad_status" directive

=== TEST 4: a named zone serves the page
--- http_config
pad_metrics_zone mine 128k;
--- config
location = /status { pad_status; }
--- request
GET /status?format=json
--- response_body_like: "slots":\d+
