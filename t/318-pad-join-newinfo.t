# The users already in a pad are announced to a joiner (USER_NEWINFO) only
# after CLIENT_VARS has left its queue, never in the same polling response:
# Etherpad 2.5.3's pad page handles the packets of one polling response
# before it installs its user-list callbacks, so a USER_NEWINFO that came
# with CLIENT_VARS never showed in its user list (seen with real browsers:
# the joiner's user count stayed at 1 in about half the joins).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;
use Time::HiRes qw(sleep);

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port)
    or die('nginx did not start' . "\n");

my $PAD = 'newinfo' . $$;
my %Q = (padId => $PAD);

# Alice, already in the pad, over a WebSocket
my $ws = pad_ws($ng, query => \%Q) or die("no socket\n");
pad_send($ws, { component => 'pad', type => 'CLIENT_READY', padId => $PAD,
                token => 't.aaaaaaaaaaaaaaaaaaaa',
                userInfo => { colorId => undef, name => undef } });
my ($cv) = pad_recv_until($ws, sub { ($_[0]{type} || '') eq 'CLIENT_VARS' });
ok($cv, 'Alice joined') or die("no CLIENT_VARS\n");
my $alice = $cv->{data}{userId};

sub messages {
    my ($r) = @_;
    return () unless $r && $r->{status} == 200;
    return map { /^42(\[.*)$/s ? (Test::Pad::json_decode($1)->[1]) : () }
           split /\x1e/, $r->{body};
}

sub kinds {
    return join ',', map { $_->{type} eq 'COLLABROOM' ? $_->{data}{type}
                                                      : $_->{type} } @_;
}

sub newinfo_ids {
    return sort map { $_->{data}{userInfo}{userId} }
           grep { ($_->{data}{type} || '') eq 'USER_NEWINFO' } @_;
}

sub polling_client {
    my ($sid) = Test::Pad::eio_poll_open($ng, query => \%Q);
    ok($sid, 'polling session') or return;
    is(Test::Pad::eio_poll_post($ng, $sid, '40', query => \%Q)->{body}, 'ok',
       'CONNECT posted');
    like(Test::Pad::eio_poll_get($ng, $sid, query => \%Q)->{body}, qr/^40/,
         'connected');
    return $sid;
}

sub ready {
    my ($sid, $token) = @_;
    return Test::Pad::eio_poll_post($ng, $sid, '42' . Test::Pad::json_encode(
        ['message', { component => 'pad', type => 'CLIENT_READY',
                      padId => $PAD, token => $token,
                      userInfo => { colorId => undef, name => undef } }]),
        query => \%Q);
}

# collects polling responses until one holds a USER_NEWINFO (3 s at most)
sub until_newinfo {
    my ($sid) = @_;
    my @m;
    for (1 .. 10) {
        push @m, messages(Test::Pad::eio_poll_get($ng, $sid, query => \%Q,
                                                  timeout => 3));
        last if scalar(my @i = newinfo_ids(@m));
    }
    return @m;
}

# Bob: CLIENT_READY while his GET is held (the browser's usual case)
my $bob_sid = polling_client();
my $held = Test::Pad::http_start($ng, uri => Test::Pad::eio_path(
    %Q, sid => $bob_sid));
sleep(0.2);
is(ready($bob_sid, 't.bbbbbbbbbbbbbbbbbbbb')->{body}, 'ok',
   'Bob: CLIENT_READY posted while a GET is held');
my @first = messages($held->finish(3));
$held->close;
is((kinds(@first))[0] =~ /^CLIENT_VARS/ ? 'CLIENT_VARS' : kinds(@first),
   'CLIENT_VARS', 'Bob: the held GET answers with CLIENT_VARS');
is(scalar(my @bi = newinfo_ids(@first)), 0,
   'Bob: no USER_NEWINFO in the response that carries CLIENT_VARS')
    or diag(kinds(@first));
my ($bcv) = grep { $_->{type} eq 'CLIENT_VARS' } @first;
my $bob = $bcv && $bcv->{data}{userId};
is_deeply([newinfo_ids(until_newinfo($bob_sid))], [$alice],
          'Bob: Alice announced in a later response');

# Carol: CLIENT_READY with no GET held; her next GET comes later
my $carol_sid = polling_client();
is(ready($carol_sid, 't.cccccccccccccccccccc')->{body}, 'ok',
   'Carol: CLIENT_READY posted, no GET held');
sleep(0.5);
my @cfirst = messages(Test::Pad::eio_poll_get($ng, $carol_sid, query => \%Q));
ok((grep { $_->{type} eq 'CLIENT_VARS' } @cfirst),
   'Carol: CLIENT_VARS in her next GET');
is(scalar(my @ci = newinfo_ids(@cfirst)), 0,
   'Carol: no USER_NEWINFO in the response that carries CLIENT_VARS')
    or diag(kinds(@cfirst));
is_deeply([newinfo_ids(until_newinfo($carol_sid))], [sort($alice, $bob)],
          'Carol: Alice and Bob announced in a later response');

# Alice (WebSocket) hears of both joins
my ($ccv) = grep { $_->{type} eq 'CLIENT_VARS' } @cfirst;
my $carol = $ccv && $ccv->{data}{userId};
my @seen;
pad_recv_until($ws, sub {
    push @seen, $_[0] if ($_[0]{data}{type} || '') eq 'USER_NEWINFO';
    @seen >= 2 });
is_deeply([newinfo_ids(@seen)], [sort($bob, $carol)],
          'Alice: USER_NEWINFO of Bob and Carol');
