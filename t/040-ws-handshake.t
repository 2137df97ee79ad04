# RFC 6455 opening handshake at the Engine.IO WebSocket endpoint:
# validation (400 with a reason, 426 for a wrong version), the
# Sec-WebSocket-Accept value, header variants that must be accepted.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

use_redis();
run_tests();

# Sec-WebSocket-Accept for random keys, computed independently.
my $ng = start_nginx(redis => 1, config => 'location /socket.io/ { pad_socketio; }');
for my $i (1 .. 3) {
    my $ws = ws_connect($ng, eio_path(transport => 'websocket'));
    is($ws->status, 101, "handshake $i: 101");
    is($ws->header('sec-websocket-accept'), ws_accept($ws->key),
       "handshake $i: Sec-WebSocket-Accept");
    like($ws->header('upgrade') // '', qr/^websocket$/i, "handshake $i: Upgrade");
    like($ws->header('connection') // '', qr/\bupgrade\b/i,
         "handshake $i: Connection");
    ok(!defined $ws->header('sec-websocket-extensions'),
       "handshake $i: no extension negotiated");
    ok(!defined $ws->header('content-length')
       && !defined $ws->header('transfer-encoding'),
       "handshake $i: no body framing headers on 101");
}

# The permessage-deflate offer socket.io-client sends is declined.
{
    my $ws = ws_connect($ng, eio_path(transport => 'websocket'), headers => [
        'Sec-WebSocket-Extensions' =>
            'permessage-deflate; client_max_window_bits']);
    is($ws->status, 101, 'extension offer: 101');
    ok(!defined $ws->header('sec-websocket-extensions'),
       'extension offer: declined');
    my $p = $ws->recv_text;
    like($p // '', qr/^0\{/, 'extension offer: open packet uncompressed');
    my $f = $ws->{buf};
}
$ng->stop;

__DATA__

=== TEST 1: the RFC 6455 sample key
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 13
--- error_code: 101
--- response_headers
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
--- raw_response_headers_like: ^HTTP/1.1 101 Switching Protocols\r\n
--- no_error_log
[error]

=== TEST 2: wrong version is 426 with the supported version
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 8
--- error_code: 426
--- response_headers
Sec-WebSocket-Version: 13

=== TEST 3: missing version is refused
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code_like: ^4(00|26)$
--- response_body_like: \S

=== TEST 4: missing key: 400 with a reason
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
--- error_code: 400
--- response_body_like: \S

=== TEST 5: key that is not 16 bytes of base64: 400
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: c2hvcnQ=
Sec-WebSocket-Version: 13
--- error_code: 400
--- response_body_like: \S

=== TEST 6: missing Upgrade header: 400
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 13
--- error_code: 400
--- response_body_like: \S

=== TEST 7: Upgrade to something else: 400
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
Upgrade: h2c
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 13
--- error_code: 400
--- response_body_like: \S

=== TEST 8: Connection without the upgrade token: 400
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
Upgrade: websocket
Connection: keep-alive
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 13
--- error_code: 400
--- response_body_like: \S

=== TEST 9: non-GET upgrade request: refused
--- config
location /socket.io/ { pad_socketio; }
--- request
POST /socket.io/?EIO=4&transport=websocket
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 13
--- error_code_like: ^4\d\d$
--- response_body_like: \S

=== TEST 10: HTTP/1.0 upgrade request: refused
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket HTTP/1.0
--- more_headers
Host: localhost
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 13
--- error_code: 400

=== TEST 11: header names and the upgrade token are case-insensitive; Connection is a list
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=4&transport=websocket
--- more_headers
upgrade: WebSocket
connection: keep-alive, Upgrade
sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==
sec-websocket-version: 13
--- error_code: 101
--- response_headers
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=

=== TEST 12: EIO=3 on the websocket transport: 400
--- config
location /socket.io/ { pad_socketio; }
--- request
GET /socket.io/?EIO=3&transport=websocket
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 13
--- error_code: 400
--- response_body_like: \S
