# WebSocket sessions with two workers; graceful reload (HUP) and stop
# (QUIT) with open WebSocket and polling sessions: WebSocket clients get
# close 1001, pending polls complete, old workers exit promptly, and
# nothing is logged at [alert] (checked by the harness at stop).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Time::HiRes qw(time sleep);

my $EV = '["message",{"component":"pad","type":"NOPE"}]';
my $CONF = 'location /socket.io/ { pad_socketio; }';

sub sessions {
    my ($ng, $n, $name) = @_;
    my @ws;
    my %sids;
    for my $i (1 .. $n) {
        my ($ws, $open, $sid) = sio_ws_connect($ng);
        $sids{$sid}++ if defined $sid;
        push @ws, $ws;
    }
    is(scalar keys %sids, $n, "$name: $n sessions with distinct sids");
    my $ok = 0;
    for my $i (0 .. $#ws) {
        $ws[$i]->send_text("42$i$EV");
        $ok++ if ($ws[$i]->eio_recv(auto_pong => 1) // '') =~ /^43$i\[/;
    }
    is($ok, $n, "$name: every session answers its own acks");
    return @ws;
}

sub expect_1001 {
    my ($ws, $name, $t0) = @_;
    my $f = $ws->recv_close(5);
    my $dt = time - $t0;
    is($f && $f->{code}, 1001, "$name: close 1001 (going away)")
        or diag($ws->eof ? 'EOF without close frame' : 'no close frame');
    $ws->send_close(1001) if $f;
    ok($ws->wait_eof(3), "$name: then TCP closed");
    return $dt;
}

# --- two workers -------------------------------------------------------------
{
    my $ng = start_nginx(redis => 1, workers => 2, listen_opts => 'reuseport',
                         config => $CONF) or die "nginx did not start\n";
    is(scalar(my @w = $ng->worker_pids), 2, 'two workers');
    my @ws = sessions($ng, 16, '2 workers');

    # interleaved traffic on all sessions at once
    $_->send_raw(join '', map { ws_frame("42$_$EV") } 100 .. 109) for @ws;
    my $all = 0;
    for my $ws (@ws) {
        my @ids;
        while (@ids < 10) {
            my $p = $ws->eio_recv(auto_pong => 1) // last;
            push @ids, $p =~ /^43(\d+)/ ? $1 : -1;
        }
        $all++ if "@ids" eq join ' ', 100 .. 109;
    }
    is($all, 16, '2 workers: pipelined acks in order on every session');

    # QUIT with open sessions
    my $t0 = time;
    $ng->signal('QUIT');
    my $max = 0;
    for my $i (0 .. 3) {
        my $dt = expect_1001($ws[$i], "QUIT, session $i", $t0);
        $max = $dt if $dt > $max;
    }
    ok($max < 3, sprintf('close frames within %.2fs of QUIT', $max));
    my $exited = wait_until(sub { !$ng->alive }, 5);
    ok($exited, sprintf('nginx exited %.2fs after QUIT', time - $t0));
    $ng->stop;    # reaps (or kills), checks the log
}

# --- reload with WebSocket and polling sessions (one worker) ------------------
{
    my $ng = start_nginx(redis => 1, workers => 1, config => $CONF)
        or die "nginx did not start\n";
    my @ws = sessions($ng, 3, 'before reload');

    my ($sid) = eio_poll_open($ng);
    eio_poll_post($ng, $sid, '40');
    like(eio_poll_get($ng, $sid)->{body}, qr/^40\{/, 'polling session connected');
    my $pending = http_start($ng, uri => eio_path(sid => $sid));
    sleep 0.1;

    my @old = $ng->worker_pids;
    my $t0 = time;
    $ng->signal('HUP');
    for my $i (0 .. $#ws) {
        expect_1001($ws[$i], "reload, session $i", $t0);
    }
    my $res = $pending->finish(5);
    ok(!$res->{timed_out}, sprintf('pending GET completed on reload (%.2fs)',
                                   time - $t0));
    note('pending GET answer on reload: ' . ($res->{status} // 'none') . ' '
         . substr($res->{body} // '', 0, 40));

    ok($ng->wait_exit(\@old, 5),
       sprintf('old worker exited %.2fs after HUP', time - $t0));
    ok(time - $t0 < 4, 'promptly');

    my @after = sessions($ng, 2, 'after reload');

    my $t1 = time;
    $ng->signal('QUIT');
    expect_1001($after[0], 'QUIT after reload', $t1);
    ok(wait_until(sub { !$ng->alive }, 5),
       sprintf('nginx exited %.2fs after QUIT', time - $t1));
    $ng->stop;
}

# --- QUIT with a pending polling GET -----------------------------------------
{
    my $ng = start_nginx(redis => 1, workers => 1, config => $CONF)
        or die "nginx did not start\n";
    my ($sid) = eio_poll_open($ng);
    eio_poll_post($ng, $sid, '40');
    eio_poll_get($ng, $sid);
    my $pending = http_start($ng, uri => eio_path(sid => $sid));
    my ($ws) = sio_ws_connect($ng);
    sleep 0.1;
    my $t0 = time;
    $ng->signal('QUIT');
    my $res = $pending->finish(5);
    ok(!$res->{timed_out}, 'pending GET completed on QUIT');
    expect_1001($ws, 'QUIT with polling and websocket', $t0);
    ok(wait_until(sub { !$ng->alive }, 5),
       sprintf('nginx exited %.2fs after QUIT', time - $t0));
    $ng->stop;
}
