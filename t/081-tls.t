# The transport on an ssl listener with the raw clients: wss framing
# (frames sent with the handshake, large and pipelined frames, ping, close
# handshake, protocol errors) and https polling with the probe upgrade.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

my $ng = start_nginx(redis => 1, ssl => 1, config => <<'C')
location /socket.io/ { pad_socketio; }
C
    or die "nginx did not start\n";

my $EV = '["message",{"component":"pad","type":"NOPE"}]';
my %S = (ssl => 1);

# wss: handshake with frames in the same write
{
    my $ws = ws_connect($ng, eio_path(transport => 'websocket'), %S,
        append => ws_frame('40') . ws_frame("421$EV"));
    is($ws->status, 101, 'wss: 101');
    is($ws->header('sec-websocket-accept'), ws_accept($ws->key),
       'wss: Sec-WebSocket-Accept');
    like($ws->recv_text // '', qr/^0\{/, 'wss: open packet');
    like($ws->recv_text // '', qr/^40\{"sid":/, 'wss: CONNECT sent with the handshake');
    like($ws->recv_text // '', qr/^431\[/, 'wss: event sent with the handshake');

    my $big = "422$EV";
    $big =~ s/"NOPE"/'"' . ('y' x 100000) . '"'/e;
    $ws->send_text($big, split => 16000);
    like($ws->recv_text // '', qr/^432\[/, 'wss: 100 kB frame in pieces');

    $ws->send_raw(join '', map { ws_frame("42$_$EV") } 10 .. 59);
    my @ids;
    while (@ids < 50) {
        my $p = $ws->recv_text // last;
        push @ids, $p =~ /^43(\d+)/ ? $1 : -1;
    }
    is_deeply(\@ids, [10 .. 59], 'wss: 50 pipelined events answered in order');

    $ws->send_ping('tls');
    my $f = $ws->recv_frame;
    ok($f && $f->{opcode} == 10 && $f->{payload} eq 'tls', 'wss: pong');

    $ws->send_close(1000);
    $f = $ws->recv_close(3);
    is($f && $f->{code}, 1000, 'wss: close handshake');
    ok($ws->wait_eof(3), 'wss: TCP closed');
}
{
    my ($ws) = sio_ws_connect($ng, %S);
    $ws->send_frame(opcode => 1, payload => "421$EV", mask => 0);
    my $f = $ws->recv_close(3);
    is($f && $f->{code}, 1002, 'wss: unmasked frame -> 1002');
    ($ws) = sio_ws_connect($ng, %S);
    $ws->send_text("421[\"message\",\"\xff\"]");
    $f = $ws->recv_close(3);
    is($f && $f->{code}, 1007, 'wss: bad UTF-8 -> 1007');
}

# https polling and the probe upgrade to wss
{
    my ($sid, $open) = eio_poll_open($ng, %S);
    ok($open, 'https: polling handshake');
    is(eio_poll_post($ng, $sid, "40\x1e421$EV", %S)->{body}, 'ok',
       'https: POST');
    my @p = split /\x1e/, eio_poll_get($ng, $sid, %S)->{body};
    like($p[0] // '', qr/^40\{/, 'https: CONNECT answer');
    like($p[1] // '', qr/^431\[/, 'https: ack in the same GET');

    my $pending = http_start($ng, uri => eio_path(sid => $sid), %S);
    my ($ws) = eio_ws_open($ng, sid => $sid, %S);
    is($ws->status, 101, 'wss upgrade: 101');
    $ws->send_text('2probe');
    is($ws->eio_recv, '3probe', 'wss upgrade: 3probe');
    is($pending->finish(2)->{body}, '6', 'https: pending GET answered 6');
    $ws->send_text('5');
    $ws->send_text("422$EV");
    like($ws->eio_recv(auto_pong => 1) // '', qr/^432\[/,
         'wss upgrade: session carried over');
}

ok($ng->stop, 'nginx exits on QUIT');
