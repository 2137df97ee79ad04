# Socket.IO v5 on top of Engine.IO (WebSocket and polling): CONNECT,
# namespaces, EVENT with and without acks, the Etherpad-style error ack,
# DISCONNECT, and garbage that must not hurt the worker.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

my $ng = start_nginx(redis => 1, config => 'location /socket.io/ { pad_socketio; }')
    or die "nginx did not start\n";

my $EV = '["message",{"component":"pad","type":"NOPE"}]';

sub error_ack_ok {
    my ($p, $id, $name) = @_;
    my ($json) = defined $p ? $p =~ /^43\Q$id\E(\[.*\])$/s : ();
    my $j = defined $json ? json_decode($json) : undef;
    ok($j && ref $j eq 'ARRAY' && @$j == 1 && ref $j->[0] eq 'HASH'
       && ($j->[0]{name} // '') eq 'Error'
       && length($j->[0]{message} // ''),
       "$name: 43$id" . '[{"name":"Error","message":...}]')
        or diag('got: ' . ($p // 'nothing'));
    return $j;
}

{
    my ($ws, $open) = eio_ws_open($ng);
    $ws->send_text('40');
    my $p = $ws->eio_recv;
    like($p // '', qr/^40\{"sid":"[^"]+"\}$/, 'CONNECT -> 40{"sid":...}');
    my ($sid) = ($p // '') =~ /"sid":"([^"]+)"/;
    isnt($sid, $open->{sid}, 'Socket.IO sid is not the Engine.IO sid');

    $ws->send_text('40/admin,');
    is($ws->eio_recv, '44/admin,{"message":"Invalid namespace"}',
       'other namespace -> CONNECT_ERROR');
    $ws->send_text('40/pluginfw/installer,{"token":"x"}');
    is($ws->eio_recv, '44/pluginfw/installer,{"message":"Invalid namespace"}',
       'namespace with an auth payload -> CONNECT_ERROR');

    my $j = error_ack_ok(do { $ws->send_text("421$EV"); $ws->eio_recv },
                         1, 'unknown message type with ack');
    error_ack_ok(do { $ws->send_text("4212345678$EV"); $ws->eio_recv },
                 12345678, 'multi-digit ack id');
    error_ack_ok(do {
        $ws->send_text('427["message",{"component":"pad","type":"COLLABROOM",'
                       . '"data":{"type":"NOPE"}}]');
        $ws->eio_recv }, 7, 'COLLABROOM before CLIENT_READY');

    # no ack requested: nothing comes back
    $ws->send_text("42$EV");
    $ws->send_text('42["message","not an object"]');
    $ws->send_text('42["other-event",1,2,3]');
    $ws->send_text('429["other-event"]');
    my $f = $ws->recv_frame(0.5);
    ok(!$f || $f->{opcode} != 1 || $f->{payload} =~ /^439/,
       'events without ack id get no answer')
        or diag explain $f;
    $f = $ws->recv_frame(0.3) if $f;

    # an ACK from the client for an id the server never used is ignored
    $ws->send_text('435[null]');
    error_ack_ok(do { $ws->send_text("422$EV"); $ws->eio_recv },
                 2, 'still answering after a stray ACK');

    # DISCONNECT: the socket is gone, the Engine.IO session remains
    $ws->send_text('41');
    $ws->send_text("423$EV");
    $f = $ws->recv_frame(0.5);
    ok(!$f || $f->{opcode} == 8 || $ws->eof,
       'after 41, events on "/" are not answered')
        or diag explain $f;
    if (!$ws->eof && !($f && $f->{opcode} == 8)) {
        $ws->send_text('40');
        my $p2 = $ws->eio_recv;
        like($p2 // '', qr/^40\{"sid":"[^"]+"\}$/, 'CONNECT again after 41');
        my ($sid2) = ($p2 // '') =~ /"sid":"([^"]+)"/;
        isnt($sid2, $sid, 'with a new Socket.IO sid');
    }
}

# EVENT before CONNECT is not delivered
{
    my ($ws) = eio_ws_open($ng);
    $ws->send_text("421$EV");
    my $f = $ws->recv_frame(0.5);
    ok(!$f || $f->{opcode} != 1 || $f->{payload} !~ /^431/,
       'no ack for an event before CONNECT');
}

# the same over polling (answers for different namespaces may come in
# any order; noops are skipped)
{
    my ($sid) = eio_poll_open($ng);
    eio_poll_post($ng, $sid, "40\x1e40/admin,\x1e421$EV");
    my @p;
    for (1 .. 5) {
        my $g = eio_poll_get($ng, $sid, timeout => 2);
        last unless $g->{status} == 200;
        push @p, grep { $_ ne '6' } split /\x1e/, $g->{body};
        last if @p >= 3;
    }
    is(scalar @p, 3, 'polling: three answers') or diag explain \@p;
    ok((grep { /^40\{"sid":"[^"]+"\}$/ } @p), 'polling: CONNECT');
    ok((grep { $_ eq '44/admin,{"message":"Invalid namespace"}' } @p),
       'polling: invalid namespace');
    my ($ack) = grep { /^431/ } @p;
    error_ack_ok($ack, 1, 'polling: error ack');
    my @main = grep { !m{^44/admin,} } @p;
    like($main[0] // '', qr/^40\{/, 'polling: CONNECT answered before the ack');
}

# --- garbage ---------------------------------------------------------------------
my @garbage = (
    '', '4', '42', '43', '44', '45', '46', '47', '4x', '9', '0', '6', '5',
    'xyz', '2probe', '3probe', '40/', '40/admin', '40{', '40{"token":1',
    '42[', '42{}', '42[]', '42[1]', '42[null]', '42"message"',
    '42["message"', '421["message",', '42-1["message",{}]',
    '4299999999999999999999999["message",{}]', '42abc["message",{}]',
    '42["message",{"type":' . ('[' x 5000) . ']' x 5000 . '}]',
    '42["message",{"component":"pad","type":"CLIENT_READY","padId":5}]',
    '42["message",{"component":"pad","type":"CLIENT_READY","padId":"'
        . ('a' x 5000) . '"}]',
    '42["message",{"type":"\u0000"}]', "42[\"message\",\"\x01\x02\"]",
    '43[', '431', '44{}', '41/admin,', '451-["x",{"_placeholder":true,"num":0}]',
    "3", "2", "1x",
);
{
    my $survived = 0;
    my ($ws) = eio_ws_open($ng);
    $ws->send_text('40');
    $ws->eio_recv;
    for my $g (@garbage) {
        ($ws) = eio_ws_open($ng), $ws->send_text('40'), $ws->eio_recv
            if $ws->eof;
        $ws->send_text($g);
    }
    sleep 0.3;
    my ($ws2) = eio_ws_open($ng);
    $ws2->send_text('40');
    like($ws2->eio_recv // '', qr/^40\{/, 'worker serves after WebSocket garbage');

    my ($sid) = eio_poll_open($ng);
    for my $g (@garbage) {
        my $p = eio_poll_post($ng, $sid, $g, timeout => 2);
        ($sid) = eio_poll_open($ng) if $p->{status} != 200;
    }
    my ($sid2, $open) = eio_poll_open($ng);
    ok($open, 'worker serves after polling garbage');
    # garbage in the query string
    for my $q ('EIO=4&transport=polling&sid=', 'EIO=4&transport=polling&sid=%00',
               'EIO=4&&&transport=polling', 'EIO=44&transport=polling',
               'EIO=4&transport=polling&sid=' . ('A' x 3000),
               'EIO=&transport=', 'transport=websocket&EIO=4')
    {
        my $r = http_get($ng, "/socket.io/?$q");
        ok($r->{status} == 200 || $r->{status} == 400,
           "query '" . substr($q, 0, 40) . "': 200 or 400 (got $r->{status})");
    }
    my $r = http_get($ng, eio_path());
    is($r->{status}, 200, 'worker still serves');
}

ok($ng->stop, 'nginx exits on QUIT');
