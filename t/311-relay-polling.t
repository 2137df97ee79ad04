# Engine.IO polling requests relayed to the worker that owns the session
# (ngx_pad_module/transport/ngx_pad_relay.c), with raw HTTP: a session opened on one
# nginx instance is polled and posted to through another instance sharing
# the Redis; a held GET that the client abandons is forgotten by the
# owner; unknown owners, a dead owner and Redis down give 400 "Session ID
# unknown" quickly; relayed bodies are bounded by pad_max_payload.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;
use Time::HiRes qw(time sleep);

my $redis = start_redis() or BAIL_OUT('redis-server did not start');
my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
                 http => "pad_relay_timeout 1500ms;\n",
                 loc => 'pad_ping_interval 1200ms; pad_ping_timeout 1500ms;'
                      . ' pad_max_payload 4096;')
        or BAIL_OUT('nginx did not start')
} 1 .. 2;

sub unknown_sid {
    my ($r, $what) = @_;
    is($r->{status}, 400, "$what: 400");
    like($r->{body} // '', qr/^\{"code":1,"message":"Session ID unknown"\}$/,
         "$what: Session ID unknown");
}

# every worker subscribes to its channel once Redis answers
ok(wait_until(sub {
    my @ch = $redis->client->pubsub_channels('pad:relay:*');
    @ch == 4;
}, 10), 'each of the 4 workers listens on its own relay channel');

# --- a session of instance 1 used through instance 2 ------------------------

my ($sid) = eio_poll_open($ng[0]);
ok($sid, 'handshake on instance 1');

my $r = eio_poll_post($ng[1], $sid, '40');
is($r->{status}, 200, 'POST through instance 2');
is($r->{body}, 'ok', 'answered ok by the owner');
$r = eio_poll_get($ng[1], $sid);
is($r->{status}, 200, 'GET through instance 2');
like($r->{body}, qr/^40\{"sid":"[\w-]{20}"\}$/,
     'the CONNECT answer of the owner came through the relay');
like($r->{headers}{'content-type'} // '', qr{^text/plain},
     'polling content type');

# a held GET through instance 2 is answered by the owner's heartbeat; the
# pong posted through instance 2 keeps the session alive
for my $round (1 .. 3) {
    my $t0 = time;
    $r = eio_poll_get($ng[1], $sid, timeout => 6);
    is($r->{body}, '2', "round $round: ping arrived through a held relayed "
       . "GET");
    ok(time - $t0 > 0.5, "round $round: the GET was held by the owner");
    $r = eio_poll_post($ng[1], $sid, '3');
    is($r->{body}, 'ok', "round $round: pong relayed");
}

# a GET through instance 1 (the owner's instance, maybe the other worker)
$r = eio_poll_post($ng[1], $sid, '41');
is($r->{body}, 'ok', 'socket.io disconnect posted');
$r = eio_poll_post($ng[0], $sid, '1');
is($r->{body}, 'ok', 'engine.io close posted on instance 1');
unknown_sid(eio_poll_get($ng[1], $sid), 'closed session through the relay');

# --- an abandoned relayed GET is forgotten by the owner ---------------------

($sid) = eio_poll_open($ng[0]);
is(eio_poll_post($ng[1], $sid, '40')->{body}, 'ok', 'connect');
like(eio_poll_get($ng[1], $sid)->{body}, qr/^40/, 'connected');
my $h = http_start($ng[1], uri => Test::Pad::eio_path(sid => $sid));
sleep 0.3;
$h->close;            # the client goes away while the owner holds the GET
sleep 0.3;
$r = eio_poll_get($ng[1], $sid, timeout => 6);
is($r->{status}, 200, 'a new GET after an abandoned one is no overlap');
is($r->{body}, '2', 'and gets the ping');
is(eio_poll_post($ng[0], $sid, '3')->{body}, 'ok', 'pong');

# two GETs at once through two instances: overlap closes the session, as
# with local GETs
$h = http_start($ng[1], uri => Test::Pad::eio_path(sid => $sid));
sleep 0.3;
$r = eio_poll_get($ng[1], $sid);
is($r->{status}, 400, 'overlapping relayed GET refused');
my $first = $h->finish;
is($first->{body}, '1', 'the held GET got the close packet');

# --- bounds ----------------------------------------------------------------

($sid) = eio_poll_open($ng[0]);
$r = eio_poll_post($ng[1], $sid, '4' . ('x' x 5000));
is($r->{status}, 413, 'relayed POST over pad_max_payload: 413');

# --- unknown owners ----------------------------------------------------------

my $t0 = time;
unknown_sid(eio_poll_get($ng[1], 'AAAAAAAAAAAAAAAAAAAAAAAAAAA'),
            'malformed sid');
unknown_sid(eio_poll_get($ng[1], 'AAAAAAAAAAAAAAAAAAAA'),
            'sid of no running worker');
unknown_sid(eio_poll_post($ng[1], 'AAAAAAAAAAAAAAAAAAAA', '40'),
            'POST for a sid of no running worker');
ok(time - $t0 < 1, 'answered without waiting for the relay timeout');

# a session of a worker that is gone
($sid) = eio_poll_open($ng[0]);
ok($sid, 'handshake on instance 1');
$ng[0]->stop;
$t0 = time;
unknown_sid(eio_poll_get($ng[1], $sid), 'owner stopped');
ok(time - $t0 < 2, 'quickly');

# --- Redis down -----------------------------------------------------------

$ng[0] = engine_nginx(redis_port => $redis->port, workers => 2)
    or BAIL_OUT('nginx did not restart');
ok(wait_until(sub { my @ch = $redis->client->pubsub_channels('pad:relay:*');
                    @ch == 4 }, 10), 'restarted workers listen again');
($sid) = eio_poll_open($ng[0]);
is(eio_poll_post($ng[1], $sid, '40')->{body}, 'ok', 'relay works again');
$redis->stop;
$t0 = time;
unknown_sid(eio_poll_get($ng[1], $sid, timeout => 8), 'Redis down');
ok(time - $t0 < 4, 'relayed request failed within the relay timeout');
ok($ng[1]->alive, 'instance 2 still runs');
$redis->start or BAIL_OUT('redis-server did not restart');

$_->stop for @ng;

my ($out, $served) = (0, 0);
for (@ng) {
    my $log = $_->log;
    while ($log =~ /pad: relay: (\d+) requests relayed, (\d+) served/g) {
        $out += $1;
        $served += $2;
    }
}
ok($out >= 10, "requests were relayed ($out)");
