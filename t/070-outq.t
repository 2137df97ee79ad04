# The per-connection outbound queue: many packets produced at once go out
# in order as separate frames; a client that does not read is closed as
# too slow once pad_send_queue_max is exceeded, and that is logged once.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use IO::Select;
use Time::HiRes qw(time sleep);

log_level('info');    # the flood below would make a debug log huge

my $ng = start_nginx(redis => 1, log_level => 'info', config => <<'C')
location /socket.io/ { pad_socketio; }
location /slow/ { pad_socketio; pad_send_queue_max 32k; pad_send_lowat 8k; }
C
    or die "nginx did not start\n";

my $EV = '["message",{"component":"pad","type":"NOPE"}]';

# order: 200 acked events in one write -> 200 ack frames in order
{
    my ($ws) = eio_ws_open($ng);
    $ws->send_text('40');
    like($ws->eio_recv // '', qr/^40\{/, 'connected');
    $ws->send_raw(join '', map { ws_frame("42$_$EV") } 1 .. 200);
    my @ids;
    my $frames = 0;
    while (@ids < 200) {
        my $f = $ws->recv_frame(3) or last;
        $frames++;
        last unless $f->{opcode} == 1;
        push @ids, $f->{payload} =~ /^43(\d+)\[/ ? $1 : -1;
    }
    is(scalar @ids, 200, '200 answers');
    is($frames, 200, 'one frame per packet');
    is_deeply(\@ids, [1 .. 200], 'in the order the events arrived');
}

# the same on polling: one GET, packets joined with 0x1e, in order
{
    my ($sid) = eio_poll_open($ng);
    eio_poll_post($ng, $sid, join "\x1e", '40', map { "42$_$EV" } 1 .. 100);
    my @p;
    for (1 .. 5) {
        my $g = eio_poll_get($ng, $sid, timeout => 2);
        last unless $g->{status} == 200;
        push @p, split /\x1e/, $g->{body};
        last if @p >= 101;
    }
    like($p[0] // '', qr/^40\{/, 'polling: CONNECT answer first');
    is_deeply([map { /^43(\d+)\[/ ? $1 : -1 } @p[1 .. $#p]], [1 .. 100],
              'polling: 100 acks in order');
}

# a client that never reads
{
    my $mark = $ng->log_mark;
    my ($ws) = eio_ws_open($ng, path => '/slow/', rcvbuf => 4096);
    $ws->send_text('40');
    like($ws->eio_recv // '', qr/^40\{/, 'slow client connected');

    my $sock = $ws->socket;
    $sock->blocking(0);
    my $batch = join '', map { ws_frame("42$_$EV") } 1 .. 500;
    my ($sent, $closed, $blocked) = (0, 0, 0);
    my $deadline = time + scaled(20);
    my $sel = IO::Select->new($sock);
    OUTER: while (time < $deadline) {
        last if $ng->log_since($mark) =~ /too slow/i;
        my $off = 0;
        while ($off < length $batch) {
            if (!$sel->can_write(0.5)) {
                $blocked++;
                last OUTER if $blocked > 10
                              && $ng->log_since($mark) =~ /too slow/i;
                next OUTER if time < $deadline;
                last OUTER;
            }
            my $n = syswrite $sock, $batch, 65536, $off;
            if (!defined $n) {
                next if $!{EAGAIN} || $!{EINTR};
                $closed = 1;    # EPIPE/ECONNRESET: the server closed
                last OUTER;
            }
            $off += $n;
            $sent += $n;
        }
    }
    $sock->blocking(1);
    ok($ng->wait_log(qr/too slow/i, 5, $mark),
       sprintf('server logs the slow client (after %.1f MB sent)',
               $sent / 1e6));
    my @lines = grep { /too slow/i } split /\n/, $ng->log_since($mark);
    is(scalar @lines, 1, 'logged once') or diag(join "\n", @lines[0 .. 5]);
    unlike($lines[0] // '', qr/\[(error|crit|alert)\]/,
           'not logged as a server error');

    # drain: the connection must end (close frame and/or EOF)
    my $end = $closed;
    my $t0 = time;
    while (!$end && time - $t0 < scaled(10)) {
        my $f = $ws->recv_frame(1);
        $end = 1 if $ws->eof;
    }
    ok($end || $ws->eof, 'slow client disconnected');
}

# others are not affected
{
    my ($ws) = eio_ws_open($ng);
    $ws->send_text('40');
    like($ws->eio_recv // '', qr/^40\{/, 'other clients still served');
}

ok($ng->stop, 'nginx exits on QUIT');

# pad_send_queue_max alone in a location (pad_send_lowat left at its
# default) is a valid configuration
{
    my $ng2 = start_nginx(redis => 1, config => <<'C');
location /socket.io/ { pad_socketio; pad_send_queue_max 32k; }
C
    ok($ng2, 'pad_send_queue_max 32k alone is accepted');
    $ng2->stop if $ng2;
}
