# A Redis restart within pad_commit_timeout is invisible to users: 12
# writers on 2 instances (2 workers each) edit one pad while redis-server
# is shut down (SIGTERM: it writes its append-only file) and started again
# 2 s later on the same data.  Commits whose append failed or was refused
# (connection refused, lost, LOADING) wait and retry (the retry first
# reads whether the revision was stored); nobody is
# disconnected, every edit is acknowledged exactly once, the clients see
# no gap or duplicate, all converge to the text both instances export, and
# the outage is logged once per worker (not per commit) and counted in
# /metrics.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_client pad_drive pad_idle pad_settle
                         pad_missing pad_acked log_warn_lines);
use Time::HiRes qw(time sleep);

my $EDITS = 25;          # per writer
my $redis = start_redis(args => [ '--appendonly', 'yes',
                                  '--appendfsync', 'always' ])
    or die('redis-server did not start' . "\n");

# (engine_nginx: pad_redis_command_timeout 1s, pad_redis_backoff_max 300ms)
my $HTTP = "pad_redis_connect_timeout 500ms;\npad_commit_timeout 15s;\n";
my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
                 listen_opts => 'reuseport', quiet => 1, http => $HTTP,
                 server => "location = /status { pad_status; }\n")
        or die("nginx $_ did not start\n")
} 1 .. 2;

my $PAD = "restart$$";
my @w = map {
    pad_client($ng[$_ % 2], $PAD, name => "w$_", tag => "w$_", writer => 1,
               edits_left => $EDITS, pace => 0.15, edit_timeout => 30)
} 1 .. 12;

ok(pad_drive(\@w, sub { !grep { $_->{state} ne 'ready' } @w }, 20),
   '12 writers joined');
my @marks = map { $_->log_mark } @ng;
pad_drive(\@w, sub { 0 }, 1);
ok(pad_acked(@w) > 0, 'edits acknowledged before the restart: '
   . pad_acked(@w));

my $t0 = time;
$redis->stop;
pad_drive(\@w, sub { 0 }, 2);
ok($redis->start, 'redis-server started again on its data');
diag(sprintf 'redis-server down for %.1f s', time - $t0);

my ($ok, $ex) = pad_settle(clients => \@w, ngs => \@ng, pad => $PAD,
                           timeout => 40);
ok($ok, 'the writers are idle and converged on both exports');

is(pad_acked(@w), 12 * $EDITS, 'every edit acknowledged: '
   . pad_acked(@w) . ' of ' . 12 * $EDITS);
is(scalar(map { @{ $_->{disconnects} } } @w), 0, 'nobody disconnected')
    or diag(join "\n", map { "$_->{name}: " . join ', ',
                             map { $_->[1] } @{ $_->{disconnects} } } @w);
is(scalar(map { @{ $_->{closes} } } @w), 0, 'no socket closed');
is(scalar(map { @{ $_->{errors} } } @w), 0,
   'no gap, duplicate or misplaced ACCEPT_COMMIT')
    or diag(join "\n", map { @{ $_->{errors} } } @w);
is(scalar(map { @{ $_->{unacked} } } @w), 0, 'no edit left unacknowledged');

my $text = $ex->[0] // '';
my @miss = pad_missing($text, @w);
is(scalar @miss, 0, 'every acknowledged edit is in the pad');
my %n;
$n{$1}++ while $text =~ /(\[w\d+:\d+\])/g;
is(scalar(grep { $n{$_} != 1 } keys %n), 0,
   'every edit is in the pad exactly once');
is(scalar keys %n, 12 * $EDITS, 'and nothing else');

# revisions contiguous: the head is the number of stored revisions
my $head = (sort { $b <=> $a } map { $_->{rev} } @w)[0];
my $r = $redis->client;
my $stored = $r->hlen("ngxpad:{$PAD}:revs");
diag(join ' ', $r->keys("*$PAD*")) unless $stored;
is($stored, $head + 1, "revisions 0..$head stored, no hole ($stored)");
is($r->hget("ngxpad:{$PAD}:meta", 'head'), $head, 'the stored head');

for my $i (0, 1) {
    my $log = $ng[$i]->log_since($marks[$i]);
    my @wait = $log =~ /(Redis is unavailable, commits wait)/g;
    ok(@wait >= 1 && @wait <= 2, "instance $i: the outage logged once per "
       . 'worker (' . scalar(@wait) . ')');
    unlike($log, qr/commits refused|giving up/, "instance $i: nothing given up");
    my @mine = $log =~ /(was stored before Redis failed)/g;
    diag("instance $i: " . scalar(@mine) . ' appends found stored by '
         . 'the check after the restart');
}

my $m = Test::Pad::http_get($ng[0], '/status');
like($m->{body} // '', qr/^pad_commit_outage_retries_total [1-9]/m,
     'metrics: the retries are counted');
like($m->{body} // '', qr/^pad_commits_waiting 0$/m,
     'metrics: no commit waits any more');

$_->stop for @ng;
