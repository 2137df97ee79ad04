# Two nginx instances with two workers each on one Redis, no sticky
# sessions: a front end (t/js/relay/rr-sim.js) sends each request of an
# Engine.IO session to the other instance in turn, so most requests reach
# a worker that does not own the session and are relayed to the owner
# through Redis (ngx_pad_module/transport/ngx_pad_relay.c).  Polling-only pad clients
# editing through it converge, see no gap or duplicate (pad-sim checks
# newRev = rev + 1 for NEW_CHANGES, batch items and ACCEPT_COMMIT), and
# both instances export the clients' text.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT rr_sim);
use Encode ();

my $redis = start_redis() or BAIL_OUT('redis-server did not start');
my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
                 http => "pad_new_changes_batch on;\n")
        or BAIL_OUT('nginx did not start')
} 1 .. 2;
my @urls = map { 'http://127.0.0.1:' . $_->port } @ng;

ok(wait_until(sub { my @ch = $redis->client->pubsub_channels('pad:relay:*');
                    @ch == 4 }, 10), 'the 4 workers listen for relays');

for my $case ([5, 8, 0], [4, 6, 1]) {
    my ($n, $edits, $batch) = @$case;
    my $pad = "relay-$n-$batch";
    my $r = rr_sim(\@urls, pad => $pad, clients => $n, edits => $edits,
                   interval => 40, transports => ['polling'],
                   batch => $batch, seed => 31 + $n);
    my ($s, $p) = ($r->{sim}, $r->{proxy});
    ok($s->{ok}, "$n polling clients alternating between instances "
       . "converge (batch opt-in $batch)") or diag(explain($r));
    is($s->{live}, $n, 'all stayed connected');
    is($p->{sessions}, $n, "$n sessions through the front end");
    is($p->{crossed}, $n, 'every session was served by both instances');
    ok(!%{ $p->{errors} || {} }, 'no request failed (before the session '
       . 'was closed)')
        or diag(explain($p->{errors}, $p->{failed}));
    my @req = values %{ $p->{requests} || {} };
    ok(@req == 2 && $req[0] > 10 && $req[1] > 10,
       'requests on both instances (' . join(', ', @req) . ')');
    my @t = map { pad_text($_, $pad) } @ng;
    ok(defined $t[0] && $t[0] eq $t[1], 'both instances export the same '
       . 'text');
    is($t[0], Encode::encode('UTF-8', $s->{text} // ''),
       'which is the clients\' text');
}

# default transports, the upgrade sent to the other instance than the
# handshake: the session is handed over to the worker holding the
# WebSocket (t/315 checks the handover in detail)
{
    my $pad = 'relay-upgrade';
    my $r = rr_sim(\@urls, pad => $pad, clients => 4, edits => 6,
                   interval => 40, seed => 99, upgrade_elsewhere => 1);
    my ($s, $p) = ($r->{sim}, $r->{proxy});
    ok($s->{ok}, 'default transports through the front end converge')
        or diag(explain($r));
    is($s->{live}, 4, 'all stayed connected');
    my $up = 0;
    $up += $_ for values %{ $p->{upgrades} || {} };
    ok($up >= 4, "upgrades were tried ($up)");
    is($p->{upgradeMoved}, $up, 'all on the other instance');
    is_deeply($s->{transports}, [ ('websocket') x 4 ],
              'and they succeeded: every client ended on WebSocket');
    is(pad_text($ng[0], $pad), Encode::encode('UTF-8', $s->{text} // ''),
       'the text is the clients\' text');
}

$_->stop for @ng;

my $relayed = 0;
for (@ng) {
    my $log = $_->log;
    $relayed += $1 while $log =~ /pad: relay: (\d+) requests relayed/g;
}
ok($relayed > 50, "requests were relayed between workers ($relayed)");
