# A reader whose cursor falls below the worker's revision window
# (pad_revisions_window 10) while it does not read, with one of its own
# revisions among the ones the worker no longer keeps: when it reads
# again, the revisions come from Redis and then from the window, each
# once, contiguous, its own one as ACCEPT_COMMIT in its place (never
# before an earlier revision), timeDelta chained across every revision;
# the session is not disconnected and its next commit is accepted.  With
# the batch opt-in the backlog comes as NEW_CHANGES_BATCH messages,
# without it as NEW_CHANGES only.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT unb36 pad_join pad_user_changes poll_join
                         poll_messages);

my $redis = start_redis() or die('redis-server did not start' . "\n");

# new length - old length of a changeset
sub cs_delta {
    my ($cs) = @_;
    return 0 unless $cs =~ /^Z:([0-9a-z]+)([<>])([0-9a-z]+)/;
    return $2 eq '>' ? unb36($3) : -unb36($3);
}


sub run_case {
    my (%o) = @_;
    my $name = $o{name};
    my $ng = engine_nginx(redis_port => $redis->port,
        http => "pad_new_changes_batch on;\n"
              . "pad_new_changes_batch_max 8;\n"
              . "pad_revisions_window 10;\n",
        loc  => 'pad_send_queue_max 8k; pad_send_lowat 1k;')
        or die('nginx did not start' . "\n");
    my $pad = "fill-$name";

    my $wc = pad_join($ng, $pad, 't.wwwwwwwwwwwwwwwwwwww')
        or die('no socket' . "\n");
    ok($wc->{vars}, "$name: writer joined") or return;
    my ($w, $rev, $len) = @$wc{qw(ws rev len)};

    my $sid = poll_join($ng, $pad, optin => $o{optin});
    my ($rcv) = grep { ($_->{type} || '') eq 'CLIENT_VARS' }
                poll_messages($ng, $sid);
    ok($rcv, "$name: reader got CLIENT_VARS") or return;
    my $join_rev = $rcv->{data}{collab_client_vars}{rev};
    my $rlen = changeset_len($rcv->{data}{collab_client_vars}
                             {initialAttributedText}{text});

    # the writer's commits; it follows the others' revisions it is sent
    my $bad = 0;
    my $commit = sub {
        my ($i) = @_;
        my $ins = sprintf "line %02d %s\n", $i, 'words ' x 200;
        pad_send($w, pad_user_changes($rev, $len, $ins));
        my ($acc, $seen) = pad_recv_until($w, sub {
            ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' });
        if (!$acc) { $bad++; return }
        for my $m (@$seen) {
            $len += cs_delta($m->{data}{changeset})
                if ($m->{data}{type} || '') eq 'NEW_CHANGES';
        }
        $rev = $acc->{data}{newRev};
        $len += length $ins;
    };

    # about 6 of these fill the reader's queue; its base stays in the window
    $commit->($_) for 1 .. 8;
    is($bad, 0, "$name: 8 commits while the reader does not read");

    # the reader commits (not reading), then 30 more revisions of others
    eio_poll_post($ng, $sid, '42' . json_encode(['message',
        pad_user_changes($join_rev, $rlen, "reader\n")]));
    my ($own, $seen) = pad_recv_until($w, sub {
        ($_[0]{data}{type} || '') eq 'NEW_CHANGES' });
    ok($own, "$name: the reader's revision was stored") or return;
    my $own_rev = $own->{data}{newRev};
    $len += cs_delta($own->{data}{changeset});
    $rev = $own_rev if $own_rev > $rev;

    $commit->($_) for 9 .. 38;
    is($bad, 0, "$name: 30 more commits");
    ok($rev - $own_rev >= 20, "$name: its revision $own_rev is out of the "
       . "window (head $rev)");

    # the reader reads again
    my (@revs, @kinds, %time, $batches, $chained, $disconnect, $accept_rev);
    $batches = 0;
    $chained = 1;
    my $check_delta = sub {
        my ($c) = @_;
        $time{ $c->{newRev} } = $c->{currentTime};
        my $p = $time{ $c->{newRev} - 1 };
        $chained = 0 if defined $p && $c->{timeDelta} != $c->{currentTime} - $p;
    };
    for (1 .. 80) {
        for my $m (poll_messages($ng, $sid)) {
            $disconnect = $m->{disconnect} if $m->{disconnect};
            my $d = $m->{data} or next;
            if ($d->{type} eq 'NEW_CHANGES') {
                push @revs, $d->{newRev};
                push @kinds, 'N';
                $check_delta->($d);
            } elsif ($d->{type} eq 'NEW_CHANGES_BATCH') {
                $batches++;
                for my $c (@{ $d->{changes} }) {
                    push @revs, $c->{newRev};
                    push @kinds, 'B';
                    $check_delta->($c);
                }
            } elsif ($d->{type} eq 'ACCEPT_COMMIT') {
                push @revs, $d->{newRev};
                push @kinds, 'A';
            }
        }
        last if @revs && $revs[-1] >= $rev || $disconnect;
    }
    is($disconnect, undef, "$name: not disconnected");
    is_deeply(\@revs, [ $join_rev + 1 .. $rev ],
              "$name: revisions " . ($join_rev + 1) . "..$rev, each once, "
              . 'in order');
    my @acc = map { $revs[$_] } grep { $kinds[$_] eq 'A' } 0 .. $#kinds;
    is_deeply(\@acc, [ $own_rev ],
              "$name: its own revision $own_rev is ACCEPT_COMMIT, in place");
    ok($chained, "$name: timeDelta chained over every revision");
    if ($o{optin}) {
        ok($batches > 0, "$name: NEW_CHANGES_BATCH used ($batches)");
    } else {
        is($batches, 0, "$name: no NEW_CHANGES_BATCH");
    }
    my @reads = $ng->log =~ /behind the window .* reading (\d+)\.\.(\d+) from Redis/g;
    my $covered = 0;
    while (my ($a, $b) = splice @reads, 0, 2) {
        $covered = 1 if $a <= $own_rev && $own_rev <= $b;
    }
    ok($covered, "$name: its revision was read back from Redis");

    # its cursor is at the head: the next commit is accepted
    my $text = pad_text($ng, $pad);
    eio_poll_post($ng, $sid, '42' . json_encode(['message',
        pad_user_changes($rev, changeset_len($text), "again\n")]));
    my $acc;
    for (1 .. 10) {
        ($acc) = grep { ($_->{data}{type} || '') eq 'ACCEPT_COMMIT'
                        || $_->{disconnect} } poll_messages($ng, $sid);
        last if $acc;
    }
    is($acc && $acc->{data}{newRev}, $rev + 1,
       "$name: the reader's next commit is accepted");
    my $final = pad_text($ng, $pad);
    ok($final =~ /^again\n/ && $final =~ /^reader\n/m && ($final =~ tr/\n//)
       == ($text =~ tr/\n//) + 1, "$name: the pad has both of its lines");
    $ng->stop;
}

run_case(name => 'batch', optin => 1);
run_case(name => 'single', optin => 0);
