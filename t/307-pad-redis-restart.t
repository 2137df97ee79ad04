# Redis stopped and restarted mid-session: while it is down for longer
# than pad_commit_timeout and pad_join_timeout (1 s here; a shorter outage
# is waited through: t/396-399), commits and joins get a clear
# {"disconnect":"unavailable"} (logged, no crash); a
# reader that stays connected recovers once Redis is back (the worker
# reconnects, resubscribes and reads the head) and receives the next
# revisions in order; every acknowledged edit is still in the pad.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT b36 pad_join pad_insert);
use Time::HiRes qw(time);

my $redis = start_redis(args => [ '--appendonly', 'yes',
                                  '--appendfsync', 'always' ])
    or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port,
                      http => "pad_commit_timeout 1s;\npad_join_timeout 1s;\n")
    or die('nginx did not start' . "\n");

# pad_commit_wait_max 0: no commit waits, the old answer at once
my $ng0 = engine_nginx(redis_port => $redis->port,
                       http => "pad_commit_wait_max 0;\n")
    or die('nginx did not start' . "\n");

my $PAD = 'restart';
my $d = pad_join($ng0, "$PAD-0", 't.dddddddddddddddddddd');
is(pad_insert($d, 'D1'), 'accepted', 'pad_commit_wait_max 0: a commit');

my $a = pad_join($ng, $PAD, 't.aaaaaaaaaaaaaaaaaaaa');
my $b = pad_join($ng, $PAD, 't.bbbbbbbbbbbbbbbbbbbb');
ok($a->{rev} == $b->{rev}, 'writer and reader joined');
my @acked;
for my $i (1 .. 3) {
    is(pad_insert($a, "A$i"), 'accepted', "commit A$i");
    push @acked, "A$i";
}

$redis->stop;
ok(!IO::Socket::INET->new(PeerAddr => "127.0.0.1:" . $redis->port),
   "redis stopped");

my $mark = $ng->log_mark;
is(pad_insert($a, 'X1'), 'disconnect:unavailable',
   'a commit while Redis is down: clear disconnect');
my $t0 = time;
is(pad_insert($d, 'D2'), 'disconnect:unavailable',
   'pad_commit_wait_max 0: a commit while Redis is down: the disconnect');
ok(time - $t0 < 2, sprintf 'at once, without waiting (%.1f s)', time - $t0);
my $c = pad_join($ng, $PAD, 't.cccccccccccccccccccc');
is($c->{m} && $c->{m}{disconnect}, 'unavailable',
   'a join while Redis is down: clear disconnect');

ok($redis->start, 'redis restarted');
ok($ng->wait_log(qr/pub\/sub connection to \S+ ready/, 10, $mark),
   'the worker reconnected');
sleep 0.5;

my $a2 = pad_join($ng, $PAD, 't.aaaaaaaaaaaaaaaaaaaa');
ok($a2->{rev}, 'the writer joins again');
my $idx = 0;
my $ordered = 1;
for my $s (@acked) {
    my $p = index($a2->{text}, $s);
    $ordered = 0 if $p < 0;
}
ok($ordered, 'every acknowledged edit is in the pad');
for my $i (4 .. 5) {
    is(pad_insert($a2, "A$i"), 'accepted', "commit A$i after the restart");
    push @acked, "A$i";
}

# the reader stayed connected and gets everything, in order
my @revs;
for (1 .. 20) {
    my $m = pad_recv($b->{ws}, 1) or last;
    push @revs, $m->{data}{newRev}
        if ($m->{data}{type} || '') eq 'NEW_CHANGES';
    last if @revs && $revs[-1] == $a2->{rev};
}
is_deeply(\@revs, [ $b->{rev} + 1 .. $a2->{rev} ],
          'the reader received every revision once, in order');

my $text = pad_text($ng, $PAD);
ok(!grep({ index($text, $_) < 0 } @acked), 'export/txt has every '
   . 'acknowledged edit');
unlike($text, qr/X1/, 'the refused commit is not there');

$ng->stop;
$ng0->stop;
