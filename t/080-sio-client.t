# The real socket.io-client 4.8 (util/npm/socketio-client, lockfile-pinned)
# against the module: default transports (polling, then the upgrade) and
# websocket only, acked and unacked events, over http/ws and https/wss.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

my $mods = node_modules_dir('socketio-client');
if (!-d "$mods/socket.io-client") {
    fail("socket.io-client installed in $mods (run make deps)");
    exit 0;
}

my $ng = start_nginx(redis => 1, ssl => 1, config => <<'C')
location /socket.io/ { pad_socketio; }
C
    or die "nginx did not start\n";

sub client {
    my (%o) = @_;
    my ($rc, $out, $err) = node_run('sio-client.js',
        args => [json_encode(\%o)], timeout => 30);
    my ($line) = grep { /^\{/ } split /\n/, $out;
    my $r = json_decode($line // '') // {};
    $r->{rc} = $rc;
    $r->{stderr} = $err;
    return $r;
}

for my $scheme ('http', 'https') {
    my $port = $scheme eq 'https' ? $ng->ssl_port : $ng->port;
    my $url = "$scheme://127.0.0.1:$port";
    my $tag = $scheme eq 'https' ? 'TLS' : 'plain';

    # default transports: polling handshake, then upgrade to websocket
    my $r = client(url => $url);
    is($r->{rc}, 0, "$tag default transports: client ran")
        or diag explain $r;
    is_deeply($r->{errors}, [], "$tag default: no errors");
    like($r->{sid} // '', qr/\S/, "$tag default: connected with a sid");
    is($r->{first_transport}, 'polling', "$tag default: started on polling");
    is($r->{transport}, 'websocket', "$tag default: upgraded to websocket");
    is($r->{upgraded_to}, 'websocket', "$tag default: upgrade event seen");
    is_deeply($r->{upgrades}, ['websocket'], "$tag default: upgrades offered");
    is($r->{ping_interval}, 25000, "$tag default: pingInterval");
    is($r->{max_payload}, 1000000, "$tag default: maxPayload");
    is(scalar @{ $r->{acks} || [] }, 2, "$tag default: two acks received");
    for my $a (@{ $r->{acks} || [] }) {
        is(ref $a eq 'HASH' && $a->{name}, 'Error',
           "$tag default: the ack is Etherpad's error object");
    }
    ok($r->{connected}, "$tag default: still connected at the end");

    # polling only (no upgrade)
    $r = client(url => $url, transports => ['polling'], acks => 3);
    is($r->{rc}, 0, "$tag polling only: client ran") or diag explain $r;
    is($r->{transport_end}, 'polling', "$tag polling only: stayed on polling");
    is(scalar @{ $r->{acks} || [] }, 3, "$tag polling only: three acks");

    # websocket only
    $r = client(url => $url, transports => ['websocket'], acks => 5);
    is($r->{rc}, 0, "$tag websocket only: client ran") or diag explain $r;
    is($r->{first_transport}, 'websocket', "$tag websocket only: transport");
    is_deeply($r->{upgrades}, [], "$tag websocket only: no upgrades offered");
    is(scalar @{ $r->{acks} || [] }, 5, "$tag websocket only: five acks");
    ok(!grep({ $_->[0] eq 'disconnect' } @{ $r->{events} || [] }),
       "$tag websocket only: no unexpected disconnect");
}

# a heartbeat round with the real client: short ping interval, the client
# stays connected over several intervals
{
    my $ng2 = start_nginx(redis => 1, config => <<'C') or die "nginx did not start\n";
location /socket.io/ {
    pad_socketio;
    pad_ping_interval 300ms;
    pad_ping_timeout 700ms;
}
C
    for my $tr (['websocket'], ['polling', 'websocket']) {
        my $r = client(url => 'http://127.0.0.1:' . $ng2->port,
                       transports => $tr, acks => 1, linger => 1500);
        is($r->{rc}, 0, "@$tr heartbeat: client ran") or diag explain $r;
        ok($r->{connected}, "@$tr: still connected after 5 ping intervals");
        ok(!grep({ $_->[0] eq 'disconnect' } @{ $r->{events} || [] }),
           "@$tr: no disconnect");
    }
    ok($ng2->stop, 'second nginx exits on QUIT');
}

ok($ng->stop, 'nginx exits on QUIT');
