# Redis loses a pad's data (restarted without persistence, a failover to
# a replica that lagged, FLUSHALL) while two nginx instances serve it: the
# workers notice that Redis's head is below theirs, one writes the pad back
# from its copy (restore.lua; the other finds it restored and goes on), and
# no acknowledged edit is lost: commits go on from the same history, a
# reader on the other instance gets every revision once and in order, and
# a new join sees every acknowledged edit.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT b36 pad_join pad_insert);

my $redis = start_redis(args => [ '--save', '', '--appendonly', 'no' ])
    or die('redis-server did not start' . "\n");
my $n1 = engine_nginx(redis_port => $redis->port)
    or die('nginx did not start' . "\n");
my $n2 = engine_nginx(redis_port => $redis->port)
    or die('nginx did not start' . "\n");

my $PAD = 'lost';

my $a = pad_join($n1, $PAD, 't.aaaaaaaaaaaaaaaaaaaa');
my $b = pad_join($n2, $PAD, 't.bbbbbbbbbbbbbbbbbbbb');
ok(defined $a->{rev} && defined $b->{rev} && $a->{rev} == $b->{rev},
   'a writer on one instance, a '
   . 'reader on the other');
my $rev0 = $b->{rev};
my @acked;
for my $i (1 .. 5) {
    is(pad_insert($a, "A$i"), 'accepted', "commit A$i");
    push @acked, "A$i";
}

# the reader is at the head on its instance before Redis goes
my @revs;
for (1 .. 20) {
    my $m = pad_recv($b->{ws}, 2) or last;
    push @revs, $m->{data}{newRev}
        if ($m->{data}{type} || '') eq 'NEW_CHANGES';
    last if @revs && $revs[-1] == $a->{rev};
}
is($revs[-1], $a->{rev}, 'the reader got the revisions');

my @marks = ($n1->log_mark, $n2->log_mark);
$redis->stop;
ok($redis->start, 'redis restarted, empty');
for my $i (0, 1) {
    my $ng = ($n1, $n2)[$i];
    ok($ng->wait_log(qr/pub\/sub connection to \S+ ready/, 10, $marks[$i]),
       "instance " . ($i + 1) . " reconnected");
}
ok(Test::Pad::wait_until(sub {
       ($n1->log_since($marks[0]) . $n2->log_since($marks[1]))
           =~ /restored in Redis from this worker's copy/ }, 10),
   'a worker noticed and restored the pad');
select undef, undef, undef, 0.5;

my $restored = 0;
for my $i (0, 1) {
    my $log = (($n1, $n2)[$i])->log_since($marks[$i]);
    $restored += () = $log =~ /restored in Redis from this worker's copy at revision (\d+)/g;
}
is($restored, 1, 'exactly one worker restored the pad');

for my $i (6 .. 8) {
    is(pad_insert($a, "A$i"), 'accepted', "commit A$i after Redis lost the pad");
    push @acked, "A$i";
}

for (1 .. 20) {
    my $m = pad_recv($b->{ws}, 2) or last;
    push @revs, $m->{data}{newRev}
        if ($m->{data}{type} || '') eq 'NEW_CHANGES';
    last if @revs && $revs[-1] == $a->{rev};
}
is_deeply(\@revs, [ $rev0 + 1 .. $a->{rev} ],
          'the reader on the other instance received every revision once, '
          . 'in order');

for my $ng ($n1, $n2) {
    my $c = pad_join($ng, $PAD, 't.cccccccccccccccccccc');
    is($c->{rev}, $a->{rev}, 'a new join is at the head');
    ok(!grep({ index($c->{text}, $_) < 0 } @acked),
       'and sees every acknowledged edit');
    my $text = pad_text($ng, $PAD);
    ok(!grep({ index($text, $_) < 0 } @acked),
       'export/txt has every acknowledged edit');
}

$n1->stop;
$n2->stop;
