# Engine.IO v4 long-polling: the handshake, GET/POST with 0x1e-separated
# packets, the error answers engine.io gives, the close packet, the
# polling payload limit.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

use_redis();
run_tests();

my $ng = start_nginx(redis => 1, config => <<'C') or die "nginx did not start\n";
location /socket.io/ { pad_socketio; }
location /small/ { pad_socketio; pad_max_payload 1000; }
C

my $EV = '["message",{"component":"pad","type":"NOPE"}]';

sub packets { split /\x1e/, $_[0] }

# handshake fields
{
    my ($sid, $open, $r) = eio_poll_open($ng);
    is($r->{status}, 200, 'handshake 200');
    like($r->{headers}{'content-type'} // '', qr{^text/plain}i,
         'handshake content type text/plain');
    ok($open, 'open packet is 0 + JSON') or diag($r->{body});
    like($sid // '', qr/^[A-Za-z0-9_-]{8,}$/, 'sid looks like a sid');
    is_deeply($open->{upgrades}, ['websocket'], 'upgrades: ["websocket"]');
    like($r->{body}, qr/"pingInterval":25000\b/, 'pingInterval 25000, a number');
    like($r->{body}, qr/"pingTimeout":20000\b/, 'pingTimeout 20000, a number');
    like($r->{body}, qr/"maxPayload":1000000\b/, 'maxPayload 1000000, a number');

    my ($sid2) = eio_poll_open($ng);
    isnt($sid2, $sid, 'each handshake gets a new sid');

    # POST 40, GET 40{sid}
    my $p = eio_poll_post($ng, $sid, '40');
    is($p->{status}, 200, 'POST 200');
    is($p->{body}, 'ok', 'POST answers ok');
    my $g = eio_poll_get($ng, $sid);
    is($g->{status}, 200, 'GET 200');
    like($g->{body}, qr/^40\{"sid":"[^"]+"\}$/, 'GET returns the CONNECT answer');
    my ($siosid) = $g->{body} =~ /"sid":"([^"]+)"/;
    isnt($siosid, $sid, 'Socket.IO sid differs from the Engine.IO sid');

    # several packets in one POST; their answers come in one GET
    $p = eio_poll_post($ng, $sid,
        join "\x1e", "421$EV", "422$EV", "42$EV", "423$EV");
    is($p->{body}, 'ok', 'POST with 4 packets: ok');
    $g = eio_poll_get($ng, $sid);
    my @p = packets($g->{body});
    is(scalar @p, 3, 'GET holds the 3 acks separated by 0x1e')
        or diag($g->{body});
    is_deeply([map { /^43(\d+)\[/ ? $1 : $_ } @p], [1, 2, 3], 'in order');

    # a GET waits until there is something to send
    my $h = http_start($ng, uri => eio_path(sid => $sid));
    ok(!$h->ready(0.3), 'GET with nothing queued is held');
    eio_poll_post($ng, $sid, "424$EV");
    my $res = $h->finish(2);
    like($res->{body}, qr/^434\[/, 'held GET answered when a packet is queued');

    # a second GET while one is pending: engine.io answers 400 and closes
    $h = http_start($ng, uri => eio_path(sid => $sid));
    sleep 0.1;
    my $g2 = eio_poll_get($ng, $sid, timeout => 2);
    is($g2->{status}, 400, 'overlapping GET: 400');
    $res = $h->finish(2);
    ok(!$res->{timed_out}, 'the first GET is answered too');

    # the session is gone now
    $g = eio_poll_get($ng, $sid, timeout => 2);
    is($g->{status}, 400, 'session closed after the overlap');
}

# one keep-alive connection for the whole polling session, as browsers
# and node's http agent do
{
    my $c = http_keepalive($ng);
    my $r = $c->request(uri => eio_path(t => 'k1'));
    my ($sid) = ($r->{body} // '') =~ /^0\{"sid":"([^"]+)"/;
    ok($sid, 'keep-alive: handshake');
    ok(($r->{headers}{connection} // '') !~ /close/i,
       'keep-alive: connection kept');
    $r = $c->request(method => 'POST', uri => eio_path(sid => $sid),
                     body => "40", headers => ['Content-Type' => 'text/plain']);
    is($r->{body}, 'ok', 'keep-alive: POST on the same connection');
    $r = $c->request(uri => eio_path(sid => $sid));
    like($r->{body}, qr/^40\{/, 'keep-alive: GET on the same connection');
    $r = $c->request(method => 'POST', uri => eio_path(sid => $sid),
                     body => "421$EV");
    is($r->{body}, 'ok', 'keep-alive: second POST');
    $r = $c->request(uri => eio_path(sid => $sid));
    like($r->{body}, qr/^431\[/, 'keep-alive: second GET');
    $c->close;
}

# UTF-8 in polling payloads (lengths are characters for engine.io v3, but
# v4 just splits on 0x1e: multi-byte text must pass untouched)
{
    my ($sid) = eio_poll_open($ng);
    my $ev = qq{421["message",{"component":"pad","type":"\xe2\x82\xac\xf0\x9f\x98\x80"}]};
    eio_poll_post($ng, $sid, "40\x1e$ev\x1e$ev");
    my @p;
    for (1 .. 3) {
        my $g = eio_poll_get($ng, $sid, timeout => 2);
        push @p, split /\x1e/, $g->{body};
        last if @p >= 3;
    }
    is(scalar(grep { /^431\[/ } @p), 2, 'UTF-8 events over polling answered');
}

# a POST body that arrives slowly, and a chunked one
{
    my ($sid) = eio_poll_open($ng);
    my $body = "40\x1e421$EV";
    my $head = "POST " . eio_path(sid => $sid) . " HTTP/1.1\r\nHost: x\r\n"
             . "Connection: close\r\nContent-Length: " . length($body)
             . "\r\n\r\n";
    my $r = http_request($ng, raw => [$head . substr($body, 0, 3),
                                      substr($body, 3, 10), substr($body, 13)],
                         delay => 0.2);
    is($r->{body}, 'ok', 'POST body in three delayed pieces');
    my @p = split /\x1e/, eio_poll_get($ng, $sid)->{body};
    like($p[1] // '', qr/^431\[/, 'and its packets were all processed');

    my $chunked = "POST " . eio_path(sid => $sid) . " HTTP/1.1\r\nHost: x\r\n"
        . "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
        . sprintf("%x\r\n%s\r\n", 5, '422["') . sprintf("%x\r\n%s\r\n",
            length(substr("422$EV", 5)), substr("422$EV", 5)) . "0\r\n\r\n";
    $r = http_request($ng, raw => $chunked);
    is($r->{body}, 'ok', 'chunked POST body');
    like(eio_poll_get($ng, $sid)->{body}, qr/^432\[/, 'chunked packet processed');
}

# close packet "1"
{
    my ($sid) = eio_poll_open($ng);
    eio_poll_post($ng, $sid, '40');
    eio_poll_get($ng, $sid);
    my $h = http_start($ng, uri => eio_path(sid => $sid));
    sleep 0.1;
    my $p = eio_poll_post($ng, $sid, '1');
    is($p->{body}, 'ok', 'POST of the close packet: ok');
    my $res = $h->finish(2);
    ok(!$res->{timed_out}, 'pending GET completes on close');
    ok(wait_until(sub { eio_poll_get($ng, $sid, timeout => 1)->{status} == 400 }, 2),
       'after the close packet the sid is unknown');
    my $g = eio_poll_get($ng, $sid);
    is($g->{body}, '{"code":1,"message":"Session ID unknown"}',
       'unknown sid body');
}

# polling POST over maxPayload
{
    my $r = http_get($ng, '/small/?EIO=4&transport=polling');
    like($r->{body}, qr/"maxPayload":1000\b/, 'maxPayload from pad_max_payload');
    my ($sid) = $r->{body} =~ /"sid":"([^"]+)"/;
    my $p = http_post($ng, "/small/?EIO=4&transport=polling&sid=$sid",
                      '40' . ("\x1e42" . $EV) x 30);
    ok($p->{status} == 413 || $p->{status} == 400 || !$p->{status},
       'POST over maxPayload refused (413/400/closed): ' . $p->{status});
    my $small = http_post($ng, "/small/?EIO=4&transport=polling&sid=$sid",
                          '40');
    isnt($small->{body}, 'ok', 'the session was closed by the oversized POST')
        if $p->{status} != 413;
    my $r2 = http_get($ng, eio_path());
    is($r2->{status}, 200, 'worker still serves');
}

ok($ng->stop, 'nginx exits on QUIT');

__DATA__

=== TEST 1: handshake with directive values
--- config
location /socket.io/ {
    pad_socketio;
    pad_ping_interval 1500ms;
    pad_ping_timeout 3s;
    pad_max_payload 4k;
}
--- request
GET /socket.io/?EIO=4&transport=polling&t=abc
--- error_code: 200
--- response_body_like: ^0\{(?=.*"sid":"[^"]+")(?=.*"upgrades":\["websocket"\])(?=.*"pingInterval":1500[,}])(?=.*"pingTimeout":3000[,}])(?=.*"maxPayload":4096[,}]).*\}$
--- no_error_log
[error]

=== TEST 2: unknown sid
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=polling&sid=nosuchsid0000000
--- error_code: 400
--- response_body chomp
{"code":1,"message":"Session ID unknown"}
--- response_headers_like
Content-Type: ^application/json

=== TEST 3: unknown sid on POST
--- config
location /socket.io/ { pad_socketio; }
--- request
POST /socket.io/?EIO=4&transport=polling&sid=nosuchsid0000000
40
--- error_code: 400
--- response_body chomp
{"code":1,"message":"Session ID unknown"}

=== TEST 4: bad transport
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=carrier-pigeon
--- error_code: 400
--- response_body chomp
{"code":0,"message":"Transport unknown"}

=== TEST 5: missing transport
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4
--- error_code: 400
--- response_body chomp
{"code":0,"message":"Transport unknown"}

=== TEST 6: POST without sid is a bad handshake method
--- config
location /socket.io/ { pad_socketio; }
--- request
POST /socket.io/?EIO=4&transport=polling
40
--- error_code: 400
--- response_body chomp
{"code":2,"message":"Bad handshake method"}

=== TEST 7: EIO=3 is refused clearly
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=3&transport=polling
--- error_code: 400
--- response_body chomp
{"code":5,"message":"Unsupported protocol version"}

=== TEST 8: missing EIO
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?transport=polling
--- error_code: 400
--- response_body chomp
{"code":5,"message":"Unsupported protocol version"}

=== TEST 9: PUT is not a polling method
--- config
location /socket.io/ { pad_socketio; }
--- request
PUT /socket.io/?EIO=4&transport=polling
x
--- error_code_like: ^4\d\d$
