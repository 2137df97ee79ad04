# A reader that stops reading while a writer commits, then resumes:
# every revision arrives once, in order, with no gap; with
# "pad_new_changes_batch on" and the reader's opt-in the backlog comes as
# NEW_CHANGES_BATCH messages (contiguous, ascending newRev, timeDelta
# chained); without the opt-in, or with batching off, only NEW_CHANGES.
# The writer's ACCEPT_COMMIT always follows every earlier revision.  A
# reader that falls out of the revision window (pad_revisions_window 10)
# while not reading gets the revisions the worker no longer keeps from
# Redis, still every one once and in order (batched when it opted in);
# t/320 covers its own revisions among them.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_user_changes poll_join
                         poll_messages);

my $redis = start_redis() or die('redis-server did not start' . "\n");

# one case: a writer over a WebSocket, a reader over polling (poll_join)
sub run_case {
    my (%o) = @_;
    my $name = $o{name};
    my $ng = engine_nginx(redis_port => $redis->port,
        http => "pad_new_changes_batch $o{batch};\n"
              . "pad_new_changes_batch_max 8;\n"
              . ($o{window} ? "pad_revisions_window $o{window};\n" : ''),
        loc  => 'pad_send_queue_max 8k; pad_send_lowat 1k;')
        or die('nginx did not start' . "\n");
    my $pad = "batch-$name";

    # the writer, over a WebSocket
    my $wc = pad_join($ng, $pad, 't.wwwwwwwwwwwwwwwwwwww')
        or die('no socket' . "\n");
    ok($wc->{vars}, "$name: writer joined") or return;
    my ($w, $rev, $text0, $len) = @$wc{qw(ws rev text len)};
    my $lines0 = $text0 =~ tr/\n//;

    # the reader joins, reads CLIENT_VARS, then stops reading
    my $sid = poll_join($ng, $pad, optin => $o{optin});
    ok($sid, "$name: reader joined");
    my ($rcv) = grep { ($_->{type} || '') eq 'CLIENT_VARS' }
                poll_messages($ng, $sid);
    ok($rcv, "$name: reader got CLIENT_VARS") or return;
    my $join_rev = $rcv->{data}{collab_client_vars}{rev};

    # 40 commits, each acknowledged before the next
    my $bad = 0;
    for my $i (1 .. 40) {
        my $ins = sprintf "line %02d with some words to make it longer\n", $i;
        pad_send($w, pad_user_changes($rev, $len, $ins));
        my ($acc, $seen) = pad_recv_until($w, sub {
            ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' });
        if (!$acc || $acc->{data}{newRev} != $rev + 1) { $bad++; last }
        $rev = $acc->{data}{newRev};
        $len += length $ins;
    }
    is($bad, 0, "$name: 40 commits, each ACCEPT_COMMIT newRev = rev + 1");

    # the reader resumes
    my (@revs, $batches, $singles, $chained, $disconnect);
    $batches = $singles = 0;
    $chained = 1;
    for (1 .. 60) {
        for my $m (poll_messages($ng, $sid)) {
            $disconnect = $m->{disconnect} if $m->{disconnect};
            my $d = $m->{data} or next;
            if ($d->{type} eq 'NEW_CHANGES') {
                $singles++;
                push @revs, $d->{newRev};
            } elsif ($d->{type} eq 'NEW_CHANGES_BATCH') {
                $batches++;
                my $prev;
                for my $c (@{ $d->{changes} }) {
                    $chained = 0 if defined $prev
                        && $c->{timeDelta} != $c->{currentTime} - $prev;
                    $prev = $c->{currentTime};
                    push @revs, $c->{newRev};
                }
            }
        }
        last if @revs && $revs[-1] >= $rev || $disconnect;
    }
    is($disconnect, undef, "$name: not disconnected");
    if ($o{window}) {
        ok($ng->log =~ /behind the window .* reading \d+\.\.\d+ from Redis/,
           "$name: the reader fell out of the window, read from Redis");
    }
    is_deeply(\@revs, [ $join_rev + 1 .. $rev ],
              "$name: revisions $join_rev+1..$rev, each once, in order");
    if ($o{expect_batches}) {
        ok($batches > 0, "$name: NEW_CHANGES_BATCH used ($batches)");
        ok($chained, "$name: timeDelta chained inside batches");
    } else {
        is($batches, 0, "$name: no NEW_CHANGES_BATCH");
    }
    ok($singles > 0 || $batches > 0, "$name: something arrived");

    is(pad_text($ng, $pad) =~ tr/\n//, $lines0 + 40, "$name: all lines stored");
    $ng->stop;
}

run_case(name => 'on', batch => 'on', optin => 1, expect_batches => 1);
run_case(name => 'no-optin', batch => 'on', optin => 0);
run_case(name => 'off', batch => 'off', optin => 1);
run_case(name => 'window', batch => 'on', optin => 1, window => 10,
         expect_batches => 1);
run_case(name => 'window-off', batch => 'off', optin => 1, window => 10);
