# A join (CLIENT_READY) during a short Redis outage completes after it:
# the access decision's and the author's reads and the pad's load wait for
# Redis (pad_join_timeout) and the join starts again once Redis answers.
# Redis stopped (SIGSTOP) for 3 s: a join to a pad the worker holds and a
# join to a pad it must load both get CLIENT_VARS after it, and their
# edits are accepted; Redis shut down and started again 2 s later: the
# same.  A join that waits longer than pad_join_timeout still gets the old
# {"disconnect":"unavailable"} (t/307).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_insert);
use Time::HiRes qw(time sleep);

my $redis = start_redis(args => [ '--appendonly', 'yes',
                                  '--appendfsync', 'always' ])
    or die('redis-server did not start' . "\n");
my $RPID;
END { kill 'CONT', $RPID if $RPID }

my $ng = engine_nginx(redis_port => $redis->port, workers => 1,
                      http => "pad_redis_connect_timeout 500ms;\n"
                            . "pad_join_timeout 10s;\n")
    or die('nginx did not start' . "\n");

my $PAD = "joinwait$$";
my $w = pad_join($ng, $PAD, 't.' . ('w' x 20));
ok($w && $w->{vars}, 'a writer joined');
is(pad_insert($w, 'W1'), 'accepted', 'and edits');

sub cvs_after {
    my ($label, $outage, $resume) = @_;
    my $mark = $ng->log_mark;
    my @c;
    $outage->();
    my $t0 = time;
    # one to the pad the worker holds, one to a pad it must load
    for my $p ($PAD, "$PAD-new$label") {
        my $tok = 't.' . join '', map { ('a' .. 'z')[rand 26] } 1 .. 20;
        push @c, pad_join($ng, $p, $tok, no_wait => 1);
    }
    sleep 0.5;
    # nothing yet: they wait
    my ($early) = pad_recv_until($c[0]{ws}, sub { 1 }, 1.5);
    ok(!$early, "$label: no answer to CLIENT_READY while Redis is away")
        or diag(explain $early);
    $resume->();
    my $back = time;
    for my $i (0, 1) {
        my ($m) = pad_recv_until($c[$i]{ws}, sub {
            ($_[0]{type} || '') eq 'CLIENT_VARS' || $_[0]{disconnect}
            || $_[0]{accessStatus} }, 15);
        ok($m && ($m->{type} || '') eq 'CLIENT_VARS',
           "$label: join $i got CLIENT_VARS after the outage "
           . sprintf('(%.1f s after CLIENT_READY, %.1f s after Redis '
                     . 'came back)', time - $t0, time - $back))
            or diag(explain $m);
        next unless $m && $m->{data};
        my $v = $m->{data}{collab_client_vars};
        my $c = $c[$i];
        $c->{rev} = $v->{rev};
        $c->{text} = $v->{initialAttributedText}{text};
        $c->{len} = changeset_len($c->{text});
        like($c->{text}, qr/W1/, "$label: join 0 sees the pad's text")
            if $i == 0;
        is(pad_insert($c, "J$label$i"), 'accepted',
           "$label: join $i edits after it");
    }
    like($ng->log_since($mark), qr/CLIENT_READY for "\Q$PAD\E" waits for Redis/,
         "$label: the wait is logged");
    $_->{ws}->close for @c;
}

cvs_after('stall', sub {
    $RPID = $redis->{pid};
    kill 'STOP', $RPID;
}, sub {
    sleep 1.5;
    kill 'CONT', $RPID;
    undef $RPID;
});

cvs_after('restart', sub {
    $redis->stop;
}, sub {
    ok($redis->start, 'redis-server started again on its data');
});

my $text = pad_text($ng, $PAD);
like($text, qr/Jstall0/, 'the edit after the stalled join is stored');
like($text, qr/Jrestart0/, 'the edit after the restart join is stored');

$ng->stop;
