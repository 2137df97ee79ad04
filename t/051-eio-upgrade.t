# Engine.IO v4: the direct WebSocket connect, the probe upgrade from
# polling (2probe/3probe/5, pending GET answered with 6), and the
# server heartbeat on both transports.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Time::HiRes qw(time sleep);

my $ng = start_nginx(redis => 1, config => <<'C') or die "nginx did not start\n";
location /socket.io/ { pad_socketio; }
location /hb/ {
    pad_socketio;
    pad_ping_interval 500ms;
    pad_ping_timeout 1000ms;
}
C

my $EV = '["message",{"component":"pad","type":"NOPE"}]';

# --- direct WebSocket connect -------------------------------------------------
{
    my ($ws, $open) = eio_ws_open($ng);
    is($ws->status, 101, 'direct WebSocket: 101');
    ok($open, 'open packet first') or diag($ws->{eio_first});
    like($open->{sid} // '', qr/^[A-Za-z0-9_-]{8,}$/, 'with a sid');
    is_deeply($open->{upgrades}, [], 'no further upgrades offered');
    is($open->{pingInterval}, 25000, 'pingInterval');
    is($open->{pingTimeout}, 20000, 'pingTimeout');
    is($open->{maxPayload}, 1000000, 'maxPayload');
    $ws->send_text('40');
    like($ws->eio_recv // '', qr/^40\{"sid":"[^"]+"\}$/, 'CONNECT');
    $ws->send_text("421$EV");
    like($ws->eio_recv // '', qr/^431\[/, 'acked event');

    # the sid of a WebSocket session is not a polling session
    my $g = eio_poll_get($ng, $open->{sid}, timeout => 2);
    is($g->{status}, 400, 'polling GET with a websocket-only sid: 400');

    # Engine.IO close packet on the websocket
    $ws->send_text('1');
    my $f = $ws->recv_frame(2);
    ok(!$f || $f->{opcode} == 8, 'close packet: the server closes')
        or diag explain $f;
    $ws->send_close($f->{code} // 1000) if $f && $f->{opcode} == 8;
    ok($ws->wait_eof(2), 'TCP closed after the close packet');
}

# --- probe upgrade ------------------------------------------------------------
{
    my ($sid, $open) = eio_poll_open($ng);
    ok($sid, 'polling handshake');
    is(eio_poll_post($ng, $sid, '40')->{body}, 'ok', 'CONNECT posted');
    like(eio_poll_get($ng, $sid)->{body}, qr/^40\{/, 'CONNECT answered');

    my $pending = http_start($ng, uri => eio_path(sid => $sid));
    sleep 0.1;
    ok(!$pending->ready(0), 'GET pending before the upgrade');

    my ($ws) = eio_ws_open($ng, sid => $sid);
    is($ws->status, 101, 'upgrade request with the sid: 101');
    ok(!defined $ws->recv_frame(0.3), 'no open packet on an upgrade');

    $ws->send_text('2probe');
    is($ws->eio_recv, '3probe', '2probe answered with 3probe');

    my $res = $pending->finish(2);
    is($res->{status}, 200, 'pending GET answered during the upgrade');
    is($res->{body}, '6', 'with the noop packet');

    # polling still works until the upgrade completes
    is(eio_poll_post($ng, $sid, "421$EV")->{body}, 'ok',
       'POST during the upgrade');

    $ws->send_text('5');
    # the answer to the POSTed event arrives on polling or, if the
    # transport already switched, on the websocket: either is correct
    my $got;
    my $g = http_start($ng, uri => eio_path(sid => $sid));
    if ($g->ready(0.5)) {
        my $r = $g->finish(1);
        $got = $r->{body} if $r->{status} == 200 && $r->{body} =~ /^431/;
    }
    $got //= $ws->eio_recv(timeout => 1);
    like($got // '', qr/^431\[/, 'answer to the POST during the upgrade');

    $ws->send_text("422$EV");
    like($ws->eio_recv(auto_pong => 1) // '', qr/^432\[/,
         'after 5 the websocket carries the session');

    my $after = eio_poll_get($ng, $sid, timeout => 2);
    is($after->{status}, 400, 'polling after the upgrade: 400');
    $ws->send_close(1000);
    ok($ws->recv_close(2), 'close handshake on the upgraded session');
}

# a GET that arrives after the probe (while upgrading) gets the noop too:
# socket.io-client sends "5" only when its running poll has returned
{
    my ($sid) = eio_poll_open($ng);
    eio_poll_post($ng, $sid, '40');
    like(eio_poll_get($ng, $sid)->{body}, qr/^40\{/, 'connected (late GET case)');
    my ($ws) = eio_ws_open($ng, sid => $sid);
    $ws->send_text('2probe');
    is($ws->eio_recv, '3probe', 'probe answered (late GET case)');
    my $late = http_start($ng, uri => eio_path(sid => $sid));
    my $res = $late->finish(2);
    is($res->{body}, '6', 'GET started after the probe answered with noop');
    $ws->send_text('5');
    $ws->send_text("425$EV");
    like($ws->eio_recv(auto_pong => 1) // '', qr/^435\[/,
         'upgrade completes after the late GET');
}

# every state change of the session is one debug line (the log level of
# the tests is debug): polling -> probing -> probed -> websocket -> closed,
# and a probe that fails goes back to polling
{
    my $mark = $ng->log_mark;
    my ($sid) = eio_poll_open($ng);
    eio_poll_post($ng, $sid, '40');
    like(eio_poll_get($ng, $sid)->{body}, qr/^40\{/, 'connected (states)');
    my ($ws) = eio_ws_open($ng, sid => $sid);
    $ws->send_text('2probe');
    is($ws->eio_recv, '3probe', 'probe answered (states)');
    is(eio_poll_get($ng, $sid, timeout => 2)->{body}, '6',
       'noop while probed (states)');
    $ws->send_text('5');
    $ws->send_text("426$EV");
    like($ws->eio_recv(auto_pong => 1) // '', qr/^436\[/,
         'upgraded (states)');
    $ws->send_close(1000);
    ok($ws->recv_close(2), 'closed (states)');

    my ($sid2) = eio_poll_open($ng);
    my ($ws2) = eio_ws_open($ng, sid => $sid2);
    $ws2->send_text('2probe');
    is($ws2->eio_recv, '3probe', 'second probe answered (states)');
    $ws2->send_close(1000);
    ok($ws2->recv_close(2), 'probe closed (states)');

    my $want = join '|', map { quotemeta }
        "$sid: polling -> probing", "$sid: probing -> probed",
        "$sid: probed -> websocket", "$sid: websocket -> closed",
        "$sid2: probed -> polling";
    my %seen;
    ok(wait_until(sub {
           my $log = $ng->log_since($mark);
           $seen{$1} = 1 while $log =~ /($want)/g;
           keys %seen == 5 }, 3),
       'each transition logged') or diag explain \%seen;
}

# upgrade with an unknown sid
{
    my $ws = ws_connect($ng, eio_path(transport => 'websocket',
                                      sid => 'unknownsid123456'));
    is($ws->status, 400, 'websocket upgrade with an unknown sid: 400');
    like($ws->body // '', qr/Session ID unknown/, 'with the engine.io reason');
}

# --- heartbeat over WebSocket --------------------------------------------------
{
    my ($ws, $open) = eio_ws_open($ng, path => '/hb/');
    is($open->{pingInterval}, 500, 'pingInterval 500 from the directive');
    is($open->{pingTimeout}, 1000, 'pingTimeout 1000 from the directive');
    my $t0 = time;
    my @at;
    while (@at < 4) {
        my $p = $ws->eio_recv(timeout => 2);
        last unless defined $p;
        next unless $p eq '2';
        push @at, time - $t0;
        $ws->send_text('3');
    }
    is(scalar @at, 4, 'four pings received while answering them');
    ok($at[0] >= 0.4 && $at[0] < 1.5, sprintf('first ping after %.2fs', $at[0]));
    my $span = $at[-1] - $at[0];
    ok($span >= 1.35 && $span < 3.5,
       sprintf('pings every pingInterval (3 intervals in %.2fs)', $span));
    $ws->send_text('40');
    like($ws->eio_recv(timeout => 1) // '', qr/^40\{/,
         'session alive after answered pings');

    # stop answering: closed within pingInterval + pingTimeout
    my $t1 = time;
    my $closed = 0;
    while (time - $t1 < 5) {
        my $f = $ws->recv_frame(0.2);
        if (!$f) { if ($ws->eof) { $closed = 1; last } next }
        if ($f->{opcode} == 8) { $closed = 1; last }
    }
    my $dt = time - $t1;
    ok($closed, sprintf('unanswered pings close the session (after %.2fs)', $dt));
    ok($dt > 0.9 && $dt < 3.2,
       'after pingInterval + pingTimeout (+ slack), not before pingTimeout');
}

# --- heartbeat over polling ------------------------------------------------------
{
    my $r = http_get($ng, '/hb/?EIO=4&transport=polling');
    my ($sid) = $r->{body} =~ /"sid":"([^"]+)"/;
    ok($sid, 'polling session on /hb/');
    my $path = "/hb/?EIO=4&transport=polling&sid=$sid";
    for my $i (1 .. 3) {
        my $t0 = time;
        my $g = http_get($ng, $path, timeout => 2);
        is($g->{body}, '2', "polling ping $i");
        is(http_post($ng, $path, '3')->{body}, 'ok', "pong $i posted");
    }
    my $t0 = time;
    my $g = http_get($ng, $path, timeout => 2);
    is($g->{body}, '2', 'one more ping, left unanswered');
    my $gone = wait_until(sub {
        http_get($ng, $path, timeout => 1)->{status} == 400 }, 5);
    ok($gone, sprintf('polling session closed without pong (%.2fs)', time - $t0));
    like(http_get($ng, $path)->{body}, qr/Session ID unknown/, 'sid unknown now');
}

ok($ng->stop, 'nginx exits on QUIT');
