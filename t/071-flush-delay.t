# pad_fanout_flush_delay: revisions fanned out to a reader wait up to the
# delay and leave together in one write, in order; answers the client
# waits for (ACCEPT_COMMIT) are not delayed, and an answer takes every
# fan-out packet queued before it along, in order; 0 writes at once.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_user_changes);
use IO::Select;
use Time::HiRes qw(time sleep);

my $redis = start_redis() or die('redis-server did not start' . "\n");

# USER_CHANGES inserting line $i at the start; returns its length
sub send_line {
    my ($ws, $base, $len, $i) = @_;
    my $ins = "line $i\n";
    pad_send($ws, pad_user_changes($base, $len, $ins));
    return length $ins;
}

# reads what is there until nothing came for $quiet seconds
sub drain {
    my ($ws, $quiet) = @_;
    1 while pad_recv($ws, $quiet);
}

# the pad messages of frames already received, by type and newRev
sub frame_msgs {
    my (@f) = @_;
    my @m;
    for my $f (@f) {
        next unless $f->{opcode} == 1 && $f->{payload} =~ /^42(\[.*)$/s;
        my $a = json_decode($1) or next;
        my $d = $a->[1]{data} or next;
        push @m, "$d->{type} $d->{newRev}" if defined $d->{newRev};
    }
    return @m;
}

# exactly one read from the socket, then every whole frame in the buffer
sub one_read {
    my ($ws, $timeout) = @_;
    my @f;
    return () if length $ws->{buf};
    $ws->_fill(time + $timeout) or return ();
    while (my $f = $ws->_parse) {
        push @f, $f;
    }
    return @f;
}

my $DELAY = 1000;    # ms, the largest value allowed

{
    my $ng = engine_nginx(redis_port => $redis->port,
                          loc => "pad_fanout_flush_delay ${DELAY}ms;")
        or die('nginx did not start' . "\n");
    my $pad = 'flush-delay';

    my ($w, $rev, $len) = @{ pad_join($ng, $pad, 't.wwwwwwwwwwwwwwwwwwww')
                             || {} }{qw(ws rev len)};
    ok($w, 'writer joined') or exit 1;
    my ($r, $rrev) = @{ pad_join($ng, $pad, 't.rrrrrrrrrrrrrrrrrrrr')
                        || {} }{qw(ws rev)};
    ok($r, 'reader joined') or exit 1;
    drain($w, 0.3);
    drain($r, 0.3);

    # three commits, each answered before the next is sent
    my $t0 = time;
    my $bad = 0;
    for my $i (1 .. 3) {
        $len += send_line($w, $rev, $len, $i);
        my ($acc) = pad_recv_until($w, sub {
            ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' }, 5);
        if (!$acc || $acc->{data}{newRev} != $rev + 1) { $bad++; last }
        $rev++;
    }
    my $t_acc = time - $t0;
    is($bad, 0, 'three commits accepted, newRev rev + 1 each');
    ok($t_acc < $DELAY / 1000,
       sprintf('ACCEPT_COMMITs are not delayed (3 in %.3f s)', $t_acc));

    my $early = IO::Select->new($r->socket)->can_read(0) ? 1 : 0;
    my @f = one_read($r, 5);
    my $t_r = time - $t0;
    is_deeply([frame_msgs(@f)],
              [map { 'NEW_CHANGES ' . ($rrev + $_) } 1 .. 3],
              'the reader gets the three revisions in one read, in order');
    is($early, 0, 'nothing for the reader before the delay ran out')
        if $t_acc < 0.8 * $DELAY / 1000;
    ok($t_r >= 0.9 * $DELAY / 1000,
       sprintf('the revisions waited for the delay (%.3f s)', $t_r));
    ok($t_r < scaled(3) + $DELAY / 1000, 'and not much longer');

    # an answer takes the delayed fan-out before it along, in order
    $len += send_line($w, $rev, $len, 4);
    my ($acc) = pad_recv_until($w, sub {
        ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' }, 5);
    ok($acc && $acc->{data}{newRev} == $rev + 1, 'writer: fourth commit');
    $rev++;
    my $t1 = time;
    # the reader commits on the revision it knows (before the fourth)
    my $rlen = $len - length("line 4\n");
    $len += send_line($r, $rev - 1, $rlen, 5);
    my @seen;
    while (my $fr = $r->recv_frame(5)) {
        push @seen, frame_msgs($fr);
        last if grep { /^ACCEPT_COMMIT/ } @seen;
    }
    my $t_ans = time - $t1;
    is_deeply(\@seen, ['NEW_CHANGES ' . $rev, 'ACCEPT_COMMIT ' . ($rev + 1)],
              'reader: the waiting revision, then its own ACCEPT_COMMIT');
    ok($t_ans < 0.9 * $DELAY / 1000,
       sprintf('both came with the answer, not after the delay (%.3f s)',
               $t_ans));
    $rev++;

    # the writer got the reader's revision (after the delay at most)
    my ($nc) = pad_recv_until($w, sub {
        ($_[0]{data}{type} || '') eq 'NEW_CHANGES' }, scaled(5));
    is($nc && $nc->{data}{newRev}, $rev, 'writer: the reader\'s revision');
    drain($r, 0.3);

    # a backlog of 32 packets does not wait for the delay
    my $from = $rev;
    my $t2 = time;
    $bad = 0;
    for my $i (1 .. 40) {
        $len += send_line($w, $rev, $len, 100 + $i);
        my ($acc) = pad_recv_until($w, sub {
            ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' }, 5);
        if (!$acc || $acc->{data}{newRev} != $rev + 1) { $bad++; last }
        $rev++;
    }
    my $t_40 = time - $t2;
    is($bad, 0, '40 more commits accepted');
    my (@revs, $t_32);
    while (@revs < 40) {
        my $fr = $r->recv_frame(scaled(5)) or last;
        push @revs, map { /^NEW_CHANGES (\d+)/ ? $1 : () } frame_msgs($fr);
        $t_32 //= time - $t2 if @revs >= 32;
    }
    is_deeply(\@revs, [$from + 1 .. $from + 40],
              'the reader gets the 40 revisions in order');
    ok(defined $t_32 && $t_32 < 0.9 * $DELAY / 1000,
       sprintf('the first 32 came without waiting for the delay (%.3f s)',
               $t_32 // -1))
        if $t_40 < 0.8 * $DELAY / 1000;
    $ng->stop;
}

# 0: every revision is written at once
{
    my $ng = engine_nginx(redis_port => $redis->port,
                          loc => 'pad_fanout_flush_delay 0;')
        or die('nginx did not start' . "\n");
    my $pad = 'flush-now';
    my ($w, $rev, $len) = @{ pad_join($ng, $pad, 't.wwwwwwwwwwwwwwwwwwww')
                             || {} }{qw(ws rev len)};
    my ($r, $rrev) = @{ pad_join($ng, $pad, 't.rrrrrrrrrrrrrrrrrrrr')
                        || {} }{qw(ws rev)};
    ok($w && $r, 'delay 0: joined') or exit 1;
    drain($w, 0.3);
    drain($r, 0.3);
    my @got;
    for my $i (1 .. 3) {
        $len += send_line($w, $rev, $len, $i);
        my $t0 = time;
        my ($acc) = pad_recv_until($w, sub {
            ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' }, 5);
        $rev++;
        my ($nc) = pad_recv_until($r, sub {
            ($_[0]{data}{type} || '') eq 'NEW_CHANGES' }, 5);
        push @got, $nc ? $nc->{data}{newRev} : -1;
        ok(time - $t0 < 0.5 * scaled(1),
           "delay 0: revision $i reached the reader at once");
    }
    is_deeply(\@got, [map { $rrev + $_ } 1 .. 3], 'delay 0: in order');
    $ng->stop;
}

use_redis();
run_tests();

__DATA__

=== TEST 1: pad_fanout_flush_delay over a second
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_fanout_flush_delay 2s; }
--- error_log
pad_fanout_flush_delay

=== TEST 2: pad_fanout_flush_delay takes a time
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_fanout_flush_delay soon; }
--- error_log
pad_fanout_flush_delay
