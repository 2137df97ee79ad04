# pad_redis_wait_replicas N TIMEOUT: ACCEPT_COMMIT only once WAIT counted
# N replicas holding the revision.  With the replica stopped (SIGSTOP),
# WAIT times out: the commit's outcome is unknown, so it is never
# acknowledged (the writer gets "unavailable", as for any unknown
# outcome); the revision is on the primary and was published, so the
# others see it and the writer finds it when it joins again.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_insert);
use Test::Pad::Sentinel;
use Time::HiRes qw(time sleep);

my $set = Test::Pad::Sentinel->start(replicas => 1, sentinels => 1,
                                     down_after => 30000);
my $mport = $set->master_port;
my ($replica) = grep { $_->port != $mport } $set->nodes;

my $ng = $set->nginx(http => "pad_redis_wait_replicas 1 700ms;\n")
    or die("nginx did not start\n");
ok($ng->wait_log(qr/pub\/sub connection to padmaster ready/, 10),
   'connected');

my $PAD = 'waitpad';
my $w = pad_join($ng, $PAD, 't.aaaaaaaaaaaaaaaaaaaa');
my $r = pad_join($ng, $PAD, 't.rrrrrrrrrrrrrrrrrrrr');
ok(defined $w->{rev} && defined $r->{rev}, 'a writer and a reader joined');

for my $i (1 .. 3) {
    is(pad_insert($w, "ok$i "), 'accepted', "commit $i acknowledged");
    # WAIT said so: the replica has it the moment ACCEPT_COMMIT arrives
    my $rec = $set->cli($replica->port, undef, 'HGET', "ngxpad:{$PAD}:revs",
                        $w->{rev});
    like($rec, qr/ok$i /, "commit $i is on the replica when acknowledged");
}

kill 'STOP', $replica->{pid};
my $mark = $ng->log_mark;
my $t0 = time;
my $res = pad_insert($w, 'lagging ');
my $dt = time - $t0;
is($res, 'disconnect:unavailable',
   'replica stopped: the commit is not acknowledged');
ok($dt >= 0.6, sprintf('not before WAIT timed out (%.2f s)', $dt));
like($ng->log_since($mark),
     qr/\[warn\].*a write is not acknowledged: redis WAIT: 0 of 1 replicas within 700 ms/,
     'logged: WAIT counted 0 of 1 replicas');

# the revision was published before WAIT answered: the reader has it
my ($nc) = pad_recv_until($r->{ws}, sub {
    ($_[0]{data}{type} || '') eq 'NEW_CHANGES'
    && $_[0]{data}{changeset} =~ /lagging/ }, 5);
ok($nc, 'the others got the revision that was not acknowledged');

kill 'CONT', $replica->{pid};
ok(Test::Pad::wait_until(sub {
    $set->cli($replica->port, undef, 'HGET', "ngxpad:{$PAD}:revs",
              $w->{rev} + 1) =~ /lagging/ }, 10),
   'replica resumed: it catches up');

my $w2 = pad_join($ng, $PAD, 't.aaaaaaaaaaaaaaaaaaaa');
like($w2->{text}, qr/^lagging ok3 ok2 ok1 /,
     'the writer, joining again, finds its edit (stored, never '
     . 'acknowledged)');
is(pad_insert($w2, 'again '), 'accepted', 'commits are acknowledged again');
unlike($ng->log_since($mark), qr/\[(?:alert|crit)\]/, 'no alert');

$ng->stop;
