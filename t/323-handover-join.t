# A session upgraded on another worker right after its CLIENT_READY (what
# Etherpad 2.5.3's pad page does: it upgrades while the join is still
# running) is handed over without waiting for the delayed USER_NEWINFO of
# the users already present (that timer waits for CLIENT_VARS to leave the
# polling queue, which no GET drains once the handover started: it cost
# 2 s, and the page showed its pad 2 s later): CLIENT_VARS arrives on the
# WebSocket at once (about 20 ms; checked below 1.5 s, the timer alone
# takes 2 s), then the USER_NEWINFO of every user present, those on the
# old worker, on the new one and on a third one, each after CLIENT_VARS
# in its own frame.  Repeated with CLIENT_READY arriving on
# the other instance too (the polling POST relayed to the owner).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join);
use Time::HiRes qw(time sleep);

my $redis = start_redis() or BAIL_OUT('redis-server did not start');
my @ng = map {
    engine_nginx(redis_port => $redis->port)
        or BAIL_OUT('nginx did not start')
} 1 .. 3;
my ($X, $Y, $Z) = @ng;
ok(wait_until(sub {
       my @ch = $redis->client->pubsub_channels('pad:relay:*');
       @ch == 3 }, 10), 'the 3 workers listen for relays');

my $PAD = 'hjoin' . $$;
my %Q = (padId => $PAD);

# users on a WebSocket of one instance each (pad_join(): {ws, id})
my %USER = (query => \%Q,
            msg => { userInfo => { colorId => undef, name => undef } });
my $ua = pad_join($X, $PAD, 't.' . ('a' x 20), %USER) || {};
my $uc = pad_join($Y, $PAD, 't.' . ('c' x 20), %USER) || {};
my $ud = pad_join($Z, $PAD, 't.' . ('d' x 20), %USER) || {};
my ($wa, $alice, $carol, $dave) = ($ua->{ws}, $ua->{id}, $uc->{id},
                                   $ud->{id});
ok($alice && $carol && $dave, 'Alice on X, Carol on Y, Dave on Z');

my $n = 0;
for my $case (['X', $X], ['Y', $Y]) {
    my ($where, $ready_on) = @$case;
    my $token = 't.' . ('b' x 19) . $n++;

    # Bob: polling on X, CLIENT_READY posted (on X or, relayed, on Y),
    # then at once the upgrade on Y
    my ($sid) = Test::Pad::eio_poll_open($X, query => \%Q);
    ok($sid, "Bob ($where): polling session on X");
    Test::Pad::eio_poll_post($X, $sid, '40', query => \%Q);
    like(Test::Pad::eio_poll_get($X, $sid, query => \%Q)->{body}, qr/^40/,
         "Bob ($where): connected");
    is(Test::Pad::eio_poll_post($ready_on, $sid, '42'
           . Test::Pad::json_encode(['message', {
               component => 'pad', type => 'CLIENT_READY', padId => $PAD,
               token => $token,
               userInfo => { colorId => undef, name => undef } }]),
           query => \%Q)->{body}, 'ok',
       "Bob ($where): CLIENT_READY posted on $where");
    my $ws = Test::Pad::ws_connect($Y, Test::Pad::eio_path(
        %Q, transport => 'websocket', sid => $sid));
    is($ws->status, 101, "Bob ($where): upgrade on Y");
    $ws->send_text('2probe');
    my $f = $ws->recv_frame(5);
    is($f && $f->{payload}, '3probe', "Bob ($where): probe answered");
    $ws->send_text('5');
    my $t0 = time;

    my ($cv_at, @order, %seen);
    while (my $p = $ws->eio_recv(auto_pong => 1, timeout => 5)) {
        next unless $p =~ /^42(\[.*)$/s;
        my $m = Test::Pad::json_decode($1)->[1];
        my $t = $m->{type} eq 'COLLABROOM' ? $m->{data}{type} : $m->{type};
        push @order, $t;
        $cv_at //= time - $t0 if $t eq 'CLIENT_VARS';
        $seen{ $m->{data}{userInfo}{userId} } = 1 if $t eq 'USER_NEWINFO';
        last if $seen{$alice} && $seen{$carol} && $seen{$dave};
    }
    ok(defined $cv_at, "Bob ($where): CLIENT_VARS on the WebSocket");
    ok(defined $cv_at && $cv_at < Test::Pad::scaled(1.5),
       sprintf("Bob ($where): CLIENT_VARS %.0f ms after the upgrade "
               . '(the delayed USER_NEWINFO no longer holds the handover)',
               1000 * ($cv_at // 9)));
    is($order[0], 'CLIENT_VARS', "Bob ($where): CLIENT_VARS comes first")
        or diag("@order");
    is_deeply([ sort grep { $seen{$_} } $alice, $carol, $dave ],
              [ sort $alice, $carol, $dave ],
              "Bob ($where): Alice (X), Carol (Y) and Dave (Z) announced")
        or diag("@order");
    ok($Y->log =~ /session \Q$sid\E taken over/,
       "Bob ($where): Y took the session over");
    $ws->close if $ws->can('close');
}

# the others saw Bob's two sockets come
my @bob;
pad_recv_until($wa, sub {
    push @bob, $_[0] if ($_[0]{data}{type} || '') eq 'USER_NEWINFO';
    @bob >= 2 });
is(scalar @bob, 2, 'Alice saw both joins of Bob');

for my $ng (@ng) {
    $ng->stop;
    unlike($ng->log, qr/\[(alert|crit|emerg)\]|exited on signal/,
           'no crash, no alert');
}
