# The WebSocket upgrade of a session reaching another worker than its
# owner hands the session over (ngx_pad_module/transport/ngx_pad_relay.c, "QU"/"QH"):
# two nginx instances with two workers each on one Redis, a front end
# (t/js/relay/rr-sim.js) that sends every upgrade to the other instance
# than the handshake.  The clients end on WebSocket, served by the
# worker holding it (the session was taken over: few relayed requests,
# every handover counted at exit), their edits converge with export/txt,
# with no gap or duplicate (pad-sim checks newRev = rev + 1 and the
# ACCEPT_COMMIT order), also while others commit during the handovers.
# An owner that is gone makes the taking worker close the WebSocket.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT b36 rr_sim);
use Encode ();

my $redis = start_redis() or BAIL_OUT('redis-server did not start');
my (@ng, @urls);
my $EXIT = join ' ', 'pad: relay: (\d+) sessions handed over to other',
                    'workers, (\d+) taken over, (\d+) handovers failed';
$EXIT = qr/$EXIT/;

sub pair {
    @ng = map {
        engine_nginx(redis_port => $redis->port, workers => 2,
                     http => "pad_new_changes_batch on;\n")
            or BAIL_OUT('nginx did not start')
    } 1 .. 2;
    @urls = map { 'http://127.0.0.1:' . $_->port } @ng;
    ok(wait_until(sub {
           my @ch = $redis->client->pubsub_channels('pad:relay:*');
           @ch == 4 }, 10), 'the 4 workers listen for relays');
}

sub count_log {
    my ($re) = @_;
    my $n = 0;
    for my $ng (@ng) {
        my $log = $ng->log;
        $n++ while $log =~ /$re/g;
    }
    return $n;
}

# stops the pair; the relay counters its workers logged at exit
sub stop_pair {
    $_->stop for @ng;
    my %c = (handed => 0, taken => 0, failed => 0, relayed => 0);
    for (@ng) {
        my $log = $_->log;
        while ($log =~ /$EXIT/g) {
            $c{handed} += $1; $c{taken} += $2; $c{failed} += $3;
        }
        $c{relayed} += $1 while $log =~ /pad: relay: (\d+) requests relayed/g;
    }
    return \%c;
}

my $TAKEN = qr/pad: relay: session \S+ taken over/;

# default transports, every upgrade on the other instance
pair();
my ($sessions, $messages) = (0, 0);
for my $case ([4, 8, 0, 40], [6, 10, 1, 20]) {
    my ($n, $edits, $batch, $interval) = @$case;
    my $pad = "handover-$n-$batch";
    my $before = count_log($TAKEN);
    my $r = rr_sim(\@urls, upgrade_elsewhere => 1, pad => $pad,
                   clients => $n, edits => $edits, interval => $interval,
                   batch => $batch, seed => 7 + $n);
    my ($s, $p) = ($r->{sim}, $r->{proxy});
    ok($s->{ok}, "$n clients upgraded on the other instance converge, no "
       . "gap or duplicate (batch opt-in $batch)") or diag(explain($r));
    is($s->{live}, $n, 'all stayed connected');
    is_deeply($s->{disconnects}, [], 'no client was disconnected');
    is_deeply($s->{transports}, [ ('websocket') x $n ],
              'every client ended on WebSocket');
    is($p->{upgradeMoved}, $n, "$n upgrades on the other instance");
    ok(!%{ $p->{errors} || {} }, 'no request failed')
        or diag(explain($p->{errors}, $p->{failed}));
    is(count_log($TAKEN) - $before, $n,
       "$n sessions taken over by the WebSocket's worker");
    my @t = map { pad_text($_, $pad) } @ng;
    ok(defined $t[0] && $t[0] eq $t[1], 'both instances export the same '
       . 'text');
    is($t[0], Encode::encode('UTF-8', $s->{text} // ''),
       'which is the clients\' text');
    ok(($s->{counts}{ACCEPT_COMMIT} // 0) >= $n,
       'commits were accepted (' . ($s->{counts}{ACCEPT_COMMIT} // 0) . ')');
    $sessions += $n;
    $messages += $_ for values %{ $s->{counts} || {} };
}
is(count_log(qr/pad: relay: session \S+ handed over to/), $sessions,
   "$sessions sessions handed over by their owners");

# after the upgrade, traffic does not cross workers: the only polling
# requests relayed are those before the upgrade (a few per session),
# while the messages went over the WebSockets
my $c = stop_pair();
is($c->{handed}, $sessions, "$sessions handed over (exit counters)");
is($c->{taken}, $sessions, "$sessions taken over (exit counters)");
is($c->{failed}, 0, 'no handover failed');
ok($c->{relayed} <= 4 * $sessions && $messages > 4 * $c->{relayed},
   "$c->{relayed} polling requests relayed for $sessions sessions that "
   . "received $messages messages");

# sessions handed over while others commit: polling-only writers keep
# committing (through the relay) while late clients connect and upgrade
# on the other instance; every client sees every revision once, in order,
# ACCEPT_COMMIT in its place
pair();
{
    my ($n, $late) = (6, 4);
    my $pad = 'handover-busy';
    my $r = rr_sim(\@urls, upgrade_elsewhere => 1, pad => $pad,
                   clients => $n, edits => 12,
                   interval => 25, batch => 1, seed => 4242,
                   lateClients => $late, lateAfter => 120,
                   earlyTransports => ['polling']);
    my ($s, $p) = ($r->{sim}, $r->{proxy});
    ok($s->{ok}, 'late clients upgraded while others commit converge, '
       . 'no gap or duplicate') or diag(explain($r));
    is_deeply($s->{disconnects}, [], 'no client was disconnected');
    is_deeply($s->{transports},
              [ ('polling') x ($n - $late), ('websocket') x $late ],
              'the late clients ended on WebSocket');
    is(count_log($TAKEN), $late, "$late sessions taken over");
    is(pad_text($ng[1], $pad), Encode::encode('UTF-8', $s->{text} // ''),
       'export/txt is the clients\' text');
}

# the owner is gone: the upgrade on the other instance is accepted, the
# probe answered, and after "5" the WebSocket closes with a close frame
# (the client reconnects)
{
    my $dead = engine_nginx(redis_port => $redis->port, workers => 1)
        or BAIL_OUT('nginx did not start');
    my ($sid) = Test::Pad::eio_poll_open($dead);
    ok($sid, 'a polling session on a third instance');
    $dead->stop;
    my $ws = Test::Pad::ws_connect($ng[0],
        Test::Pad::eio_path(transport => 'websocket', sid => $sid));
    is($ws->status, 101, 'its upgrade is accepted on another instance');
    $ws->send_text('2probe');
    my $f = $ws->recv_frame(5);
    is($f && $f->{payload}, '3probe', 'the probe is answered');
    $ws->send_text('5');
    $f = $ws->recv_frame(10);
    ok($f && $f->{opcode} == 8, 'then the WebSocket closes with a close '
       . 'frame (' . ($f ? $f->{code} // '' : 'none') . ')');
    ok($ng[0]->log =~ /cannot take session \Q$sid\E over: the owner is gone/,
       'because the owner is gone');
}

$c = stop_pair();
is($c->{taken}, 4, '4 taken over (exit counters)');
is($c->{failed}, 1, 'one handover failed (the owner gone)');

# a session whose owner is behind in its queue (a reader that stopped
# polling while another author commits; pad_send_queue_max 4k holds only
# part of the revisions): its cursor moves with it, the new worker (whose
# copy of the pad is fresh from Redis, pad_revisions_window 10 on Y) reads the
# revisions it lacks from Redis, and the client gets every revision once,
# in order, then its own commit is accepted in its place
{
    my @xy = map {
        engine_nginx(redis_port => $redis->port,
                     http => $_ ? "pad_revisions_window 10;\n" : '',
                     loc => 'pad_send_queue_max 4k;')
            or BAIL_OUT('nginx did not start')
    } 0 .. 1;
    my ($X, $Y) = @xy;
    my $PAD = 'handover-lag';
    my ($sid) = Test::Pad::eio_poll_open($X, query => { padId => $PAD });
    ok($sid, 'a polling reader on X');
    Test::Pad::eio_poll_post($X, $sid, '40');
    Test::Pad::eio_poll_get($X, $sid);
    Test::Pad::eio_poll_post($X, $sid, '42' . Test::Pad::json_encode(
        ['message', { component => 'pad', type => 'CLIENT_READY',
                      padId => $PAD, token => 't.' . ('r' x 20) }]));
    my ($rrev, $rlen);
    for (1 .. 5) {
        my $res = Test::Pad::eio_poll_get($X, $sid);
        for my $pkt (split /\x1e/, $res->{body} // '') {
            next unless $pkt =~ /^42(\[.*)$/s;
            my $m = Test::Pad::json_decode($1);
            next unless ($m->[1]{type} // '') eq 'CLIENT_VARS';
            my $v = $m->[1]{data}{collab_client_vars};
            $rrev = $v->{rev};
            $rlen = changeset_len($v->{initialAttributedText}{text});
        }
        last if defined $rrev;
    }
    ok(defined $rrev, 'the reader has CLIENT_VARS');

    my $w = pad_ws($X, query => { padId => $PAD });
    pad_send($w, { component => 'pad', type => 'CLIENT_READY',
                   padId => $PAD, token => 't.' . ('w' x 20) });
    my ($cv) = pad_recv_until($w, sub {
        ($_[0]{type} || '') eq 'CLIENT_VARS' });
    my $rev = $cv->{data}{collab_client_vars}{rev};
    my $len = $rlen;
    my $n = 0;
    for my $i (1 .. 30) {
        pad_send($w, { type => 'COLLABROOM', component => 'pad',
                       data => { type => 'USER_CHANGES', baseRev => $rev,
                                 changeset => 'Z:' . b36($len)
                                              . '>1+1$x',
                                 apool => {} } });
        my ($acc) = pad_recv_until($w, sub {
            ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' });
        last unless $acc && $acc->{data}{newRev} == $rev + 1;
        $rev++;
        $len++;
        $n++;
    }
    is($n, 30, '30 commits by a writer on X while the reader does not '
       . 'poll');

    my $ws = Test::Pad::ws_connect($Y,
        Test::Pad::eio_path(transport => 'websocket', sid => $sid,
                            padId => $PAD));
    is($ws->status, 101, 'the reader upgrades on Y');
    $ws->send_text('2probe');
    my $f = $ws->recv_frame(5);
    is($f && $f->{payload}, '3probe', 'probe answered');
    $ws->send_text('5');
    my (@revs, $other);
    while (my $p = $ws->eio_recv(auto_pong => 1, timeout => 5)) {
        next unless $p =~ /^42(\[.*)$/s;
        my $m = Test::Pad::json_decode($1)->[1];
        my $t = $m->{data}{type} // $m->{type} // '';
        if ($t eq 'NEW_CHANGES') {
            push @revs, $m->{data}{newRev};
        } else {
            $other .= "$t ";
        }
        last if @revs && $revs[-1] == $rev;
    }
    is_deeply(\@revs, [ $rrev + 1 .. $rev ], 'the reader got NEW_CHANGES '
              . ($rrev + 1) . "..$rev once, in order");
    ok(!defined $other || $other !~ /USER_LEAVE/,
       'no USER_LEAVE (' . ($other // '') . ')');
    ok($Y->log =~ /session \Q$sid\E taken over/, 'Y took it over');
    ok($Y->log =~ /session taken over at revision \d+, older than the (?#
                   )window.*reading from Redis/, 'and read the revisions '
       . 'older than its window from Redis');

    # the reader's own commit, from Y
    $ws->send_text('42' . Test::Pad::json_encode(['message',
        { type => 'COLLABROOM', component => 'pad',
          data => { type => 'USER_CHANGES', baseRev => $rev,
                    changeset => 'Z:' . b36($len) . '>1+1$y',
                    apool => {} } }]));
    my $acc;
    while (my $p = $ws->eio_recv(auto_pong => 1, timeout => 5)) {
        next unless $p =~ /^42(\[.*)$/s;
        my $m = Test::Pad::json_decode($1)->[1];
        if (($m->{data}{type} // '') eq 'ACCEPT_COMMIT' || $m->{disconnect}) {
            $acc = $m;
            last;
        }
    }
    is($acc && $acc->{data}{newRev}, $rev + 1,
       'the reader\'s commit is accepted as revision ' . ($rev + 1));
    my ($nc) = pad_recv_until($w, sub {
        ($_[0]{data}{type} || '') eq 'NEW_CHANGES'
        || ($_[0]{data}{type} || '') eq 'USER_LEAVE' });
    is($nc && $nc->{data}{newRev}, $rev + 1,
       'the writer on X gets it, and saw no USER_LEAVE');
    is(pad_text($X, $PAD), pad_text($Y, $PAD), 'X and Y export the same');
    $_->stop for @xy;
}

is($c->{failed}, 1, 'one handover failed (the owner gone)');
