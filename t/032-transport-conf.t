# Transport directives: values refused at configuration time, inheritance
# from http{}/server{}, pad_max_sessions and pad_connect_timeout.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Time::HiRes qw(time sleep);

use_redis();
run_tests();

# pad_max_sessions: the limit refuses new sessions, closing one frees a slot
{
    my $ng = start_nginx(redis => 1, config => <<'C') or die "nginx did not start\n";
location /socket.io/ { pad_socketio; pad_max_sessions 2; }
C
    my ($a) = eio_poll_open($ng);
    my ($ws, $open) = eio_ws_open($ng);
    ok($a && $open, 'two sessions (polling and websocket)');
    my ($c, undef, $r) = eio_poll_open($ng);
    is($r->{status}, 503, 'third polling handshake: 503');
    my $w3 = ws_connect($ng, eio_path(transport => 'websocket'));
    is($w3->status, 503, 'third websocket handshake: 503');
    ok($ng->wait_log(qr/session limit 2 reached/), 'limit logged');
    $ws->send_close(1000);
    $ws->recv_close(2);
    my $ok = wait_until(sub { my ($s) = eio_poll_open($ng); $s }, 3);
    ok($ok, 'a slot is free again after a session closed');
    $ng->stop;
}

# pad_connect_timeout: no Socket.IO CONNECT in time closes the session
{
    my $ng = start_nginx(redis => 1, config => <<'C') or die "nginx did not start\n";
location /socket.io/ { pad_socketio; pad_connect_timeout 300ms; }
C
    my ($idle) = eio_ws_open($ng);
    my ($busy) = sio_ws_connect($ng);
    my $t0 = time;
    my $f = $idle->recv_close(3);
    my $dt = time - $t0;
    ok($f || $idle->eof, sprintf('session without CONNECT closed (%.2fs)', $dt));
    ok($dt < 2, 'within pad_connect_timeout (+ slack)');
    $busy->send_text('421["message",{"component":"pad","type":"NOPE"}]');
    like($busy->eio_recv(auto_pong => 1) // '', qr/^431\[/,
         'a connected session stays');
    $ng->stop;
}

__DATA__

=== TEST 1: pad_socketio takes no arguments
--- must_die
--- config
location /socket.io/ { pad_socketio on; }
--- error_log
invalid number of arguments in "pad_socketio"

=== TEST 2: pad_ping_interval below 10ms
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_ping_interval 5ms; }
--- error_log
pad_ping_interval

=== TEST 3: pad_ping_timeout over an hour
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_ping_timeout 2h; }
--- error_log
pad_ping_timeout

=== TEST 4: pad_max_payload too small
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_max_payload 10; }
--- error_log
pad_max_payload

=== TEST 5: pad_send_queue_max too small
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_send_queue_max 100; }
--- error_log
pad_send_queue_max

=== TEST 6: pad_send_lowat not below pad_send_queue_max
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_send_queue_max 32k; pad_send_lowat 32k; }
--- error_log
pad_send_lowat

=== TEST 7: pad_max_sessions 0
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_max_sessions 0; }
--- error_log
pad_max_sessions

=== TEST 8: not a time
--- must_die
--- config
location /socket.io/ { pad_socketio; pad_ping_interval soon; }
--- error_log
pad_ping_interval

=== TEST 9: values inherited from http{}
--- http_config
pad_ping_interval 1234ms;
pad_ping_timeout 4321ms;
pad_max_payload 5000;
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=polling
--- error_code: 200
--- response_body_like: ^0\{(?=.*"pingInterval":1234[,}])(?=.*"pingTimeout":4321[,}])(?=.*"maxPayload":5000[,}])

=== TEST 10: a location overrides the server level
--- config
pad_ping_interval 2s;
location /socket.io/ { pad_socketio; pad_ping_interval 3s; }
--- request
GET /socket.io/?EIO=4&transport=polling
--- error_code: 200
--- response_body_like: "pingInterval":3000[,}]

=== TEST 11: a location without pad_socketio is not served by the module
--- config
location /socket.io/ { pad_socketio; }
location /other/ { return 204; }
--- request
GET /other/?EIO=4&transport=polling
--- error_code: 204
