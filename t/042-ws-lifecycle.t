# WebSocket connection life cycle: the server's close handshake times out
# when the client never answers (pad_close_timeout), clients that vanish
# without a close frame free their session, data after a close frame is
# ignored.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Time::HiRes qw(time sleep);
use Socket qw(SHUT_WR);

my $ng = start_nginx(redis => 1, config => <<'C') or die "nginx did not start\n";
location /socket.io/ {
    pad_socketio;
    pad_close_timeout 300ms;
    pad_max_sessions 1;
}
C

my $EV = '["message",{"component":"pad","type":"NOPE"}]';

# one session at a time: a new one opens only when the last one is gone
sub next_session {
    my ($name) = @_;
    my ($ws, $open, $sid);
    my $ok = wait_until(sub {
        ($ws, $open, $sid) = sio_ws_connect($ng);
        defined $sid;
    }, 3, 0.05);
    ok($ok, "$name: the previous session was freed");
    return $ws;
}

my $ws = next_session('first');

# the server closes (protocol error) and the client never answers
$ws->send_binary("x");
my $t0 = time;
my $f = $ws->recv_close(2);
is($f && $f->{code}, 1003, 'server close frame sent');
ok($ws->wait_eof(3), 'server closes TCP although the client never answered');
my $dt = time - $t0;
ok($dt < 1.5, sprintf('after pad_close_timeout (%.2fs)', $dt));

# the client disappears without a close frame
$ws = next_session('after close timeout');
close $ws->socket;
delete $ws->{sock};
$ws = next_session('after the client closed TCP');

# the client half-closes (FIN) without a close frame
shutdown($ws->socket, SHUT_WR);
ok($ws->wait_eof(3), 'server closes after the client half-closed');
$ws = next_session('after half-close');

# a client that closes in the middle of a frame
$ws->send_raw(substr(ws_frame("421$EV"), 0, 5));
close $ws->socket;
delete $ws->{sock};
$ws = next_session('after a truncated frame');

# data after the client's close frame is ignored
$ws->send_raw(ws_frame(opcode => 8, payload => pack('n', 1000))
              . ws_frame("421$EV"));
$f = $ws->recv_frame(2);
ok($f && $f->{opcode} == 8, 'close answered');
$f = $ws->recv_frame(0.5);
ok(!$f, 'nothing answered after the close frame');
ok($ws->wait_eof(2), 'and TCP closed');

# a polling session whose upgrade is abandoned still works on polling
$ws = undef;
my $sid = wait_until(sub { (eio_poll_open($ng))[0] }, 3);
ok($sid, 'polling session');
{
    my ($up) = eio_ws_open($ng, sid => $sid);
    is($up->status, 101, 'upgrade started');
    $up->send_text('2probe');
    is($up->eio_recv, '3probe', 'probe answered');
    close $up->socket;
    delete $up->{sock};
}
sleep 0.3;
my $p = eio_poll_post($ng, $sid, "40\x1e421$EV");
is($p->{body}, 'ok', 'polling continues after the abandoned upgrade');
my $g = eio_poll_get($ng, $sid, timeout => 2);
like($g->{body}, qr/^40\{.*\x1e431\[/s, 'and answers on polling');

ok($ng->stop, 'nginx exits on QUIT');
