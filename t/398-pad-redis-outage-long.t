# A Redis outage longer than pad_commit_timeout (2 s here): 12 writers on
# 2 instances (2 workers each) edit one pad while redis-server is stopped
# (SIGSTOP) for 6 s.  The waiting commits are given up with the old
# protocol-correct {"disconnect":"unavailable"} (no other reason, no
# ACCEPT_COMMIT after it), the writers join again once Redis is back and
# finish their edits; no acknowledged edit is lost (the text of every
# ACCEPT_COMMIT is in the final pad, once), no refused edit is in it twice,
# the clients see no gap or duplicate and converge, the revisions are
# contiguous, and the giving up is logged once per worker.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_client pad_drive pad_idle pad_settle
                         pad_missing pad_acked log_warn_lines);
use Time::HiRes qw(time sleep);

my $EDITS = 25;          # per writer
my $redis = start_redis(args => [ '--appendonly', 'yes',
                                  '--appendfsync', 'everysec' ])
    or die('redis-server did not start' . "\n");
my $RPID = $redis->{pid};
END { kill 'CONT', $RPID if $RPID }

# short Redis timeouts, as a site that wants failures noticed early: the
# 5 s stall is longer than the command and connect timeouts
# (engine_nginx: pad_redis_command_timeout 1s, pad_redis_backoff_max 300ms)
my $HTTP = "pad_redis_connect_timeout 500ms;\npad_commit_timeout 2s;\n"
         . "pad_join_timeout 2s;\n";
my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
                 listen_opts => 'reuseport', quiet => 1, http => $HTTP,
                 server => "location = /status { pad_status; }\n")
        or die("nginx $_ did not start\n")
} 1 .. 2;

my $PAD = "long$$";
my @w = map {
    pad_client($ng[$_ % 2], $PAD, name => "w$_", tag => "w$_", writer => 1,
               edits_left => $EDITS, pace => 0.15, edit_timeout => 30, join_timeout => 30)
} 1 .. 12;

ok(pad_drive(\@w, sub { !grep { $_->{state} ne 'ready' } @w }, 20),
   '12 writers joined');
my @marks = map { $_->log_mark } @ng;
pad_drive(\@w, sub { 0 }, 1);
ok(pad_acked(@w) > 0, 'edits acknowledged before the stall: '
   . pad_acked(@w));

kill 'STOP', $RPID;
my $t0 = time;
pad_drive(\@w, sub { 0 }, 6);
kill 'CONT', $RPID;
diag(sprintf 'redis-server stopped for %.1f s', time - $t0);

my ($ok, $ex) = pad_settle(clients => \@w, ngs => \@ng, pad => $PAD,
                           timeout => 40);
ok($ok, 'the writers are idle and converged on both exports');

my @disc = map { @{ $_->{disconnects} } } @w;
ok(@disc > 0, 'writers were disconnected: ' . scalar @disc);
is(scalar(grep { $_->[1] ne 'unavailable' } @disc), 0,
   'every disconnect says "unavailable"')
    or diag(join ', ', map { $_->[1] } @disc);
is(scalar(map { @{ $_->{errors} } } @w), 0,
   'no gap, duplicate or misplaced ACCEPT_COMMIT')
    or diag(join "\n", map { @{ $_->{errors} } } @w);
is(pad_acked(@w), 12 * $EDITS, 'after rejoining, every writer finished: '
   . pad_acked(@w) . ' acknowledged');

my $text = $ex->[0] // '';
my @miss = pad_missing($text, @w);
is(scalar @miss, 0, 'every acknowledged edit is in the pad');
my %n;
$n{$1}++ while $text =~ /(\[w\d+:\d+\])/g;
is(scalar(grep { $n{$_} != 1 } keys %n), 0,
   'no edit is in the pad twice');
my %acked = map { $_ => 1 } map { @{ $_->{acked} } } @w;
my @unacked = map { @{ $_->{unacked} } } @w;
diag(scalar(@unacked) . ' edits refused, '
     . scalar(grep { $n{$_} } @unacked) . ' of them stored all the same '
     . '(an unknown outcome: not acknowledged, read back as a revision)');

# revisions contiguous: the head is the number of stored revisions
my $head = (sort { $b <=> $a } map { $_->{rev} } @w)[0];
my $r = $redis->client;
my $stored = $r->hlen("ngxpad:{$PAD}:revs");
diag(join ' ', $r->keys("*$PAD*")) unless $stored;
is($stored, $head + 1, "revisions 0..$head stored, no hole ($stored)");
is($r->hget("ngxpad:{$PAD}:meta", 'head'), $head, 'the stored head');

for my $i (0, 1) {
    my $log = $ng[$i]->log_since($marks[$i]);
    my @gave = $log =~ /(did not come back within pad_commit_timeout)/g;
    ok(@gave >= 1 && @gave <= 2 * 2, "instance $i: the giving up logged "
       . 'once per worker and outage (' . scalar(@gave) . ')');
}

$_->stop for @ng;
