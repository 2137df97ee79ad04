# Garbage into the pad engine: thousands of randomly mutated pad messages
# (wrong types, missing and huge fields, random changesets and pools) from
# several sockets, before and after CLIENT_READY.  The worker must not
# crash or log an alert, memory stays bounded, and the pad still works.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port)
    or die('nginx did not start' . "\n");
my ($worker) = $ng->worker_pids;
srand(4242);

my @values = (undef, 0, -1, 1, 1.5, 2**53, -2**60, '', 'x', 'Z:1>0$',
              'Z:5>1+1$a', 'Z:zzzzzzzz>1+1$a', 't.aaaa', "\x{1F600}",
              'a' x 3000, [], {}, [1, 2], { a => 1 },
              Cpanel::JSON::XS::true(), Cpanel::JSON::XS::false());
my @types = qw(CLIENT_READY COLLABROOM CHANGESET_REQ USER_CHANGES
               USERINFO_UPDATE CHAT_MESSAGE GET_CHAT_MESSAGES SAVE_REVISION
               CLIENT_MESSAGE PAD_DELETE NOPE);
my @keys = qw(type component data padId token baseRev changeset apool
              numToAttrib nextNum userInfo colorId name message text start
              end granularity requestID reconnect client_rev
              newChangesBatch);

sub rnd { $_[ int rand @_ ] }

sub garbage {
    my ($depth) = @_;
    my %m;
    $m{component} = rand() < 0.9 ? 'pad' : rnd(@values);
    $m{type} = rand() < 0.5 ? 'COLLABROOM' : rnd(@types, @values);
    $m{padId} = rnd('garbage', 'r.00', 'a$b', 'garbage', @values)
        if rand() < 0.7;
    $m{token} = rnd('t.gggggggggggggggggggg', @values) if rand() < 0.7;
    my %d = (type => rnd(@types, @values));
    for (1 .. int rand 6) {
        $d{ rnd(@keys) } = rand() < 0.2 && $depth < 2 ? garbage($depth + 1)
                                                       : rnd(@values);
    }
    if (rand() < 0.3) {
        $d{apool} = { numToAttrib => { int(rand 5) => [ rnd('author', 'bold',
                      @values), rnd('a.x', 'true', @values) ] },
                      nextNum => rnd(@values) };
    }
    $m{data} = \%d;
    $m{ rnd(@keys) } = rnd(@values) for 1 .. int rand 3;
    return \%m;
}

my $sent = 0;
for my $round (1 .. 6) {
    my $ws = pad_ws($ng) or last;
    if ($round % 2) {
        pad_send($ws, { component => 'pad', type => 'CLIENT_READY',
                        padId => 'garbage',
                        token => 't.gggggggggggggggggggg' });
        pad_recv_until($ws, sub { ($_[0]{type} || '') eq 'CLIENT_VARS' });
    }
    for (1 .. 400) {
        my $g = garbage(0);
        pad_send($ws, $g, rand() < 0.3 ? int rand 100 : undef);
        $sent++;
    }
    $ws->send_text('42' . json_encode([ rnd('message', 'other', 1),
                                        rnd(@values) ]));
    $ws->send_text('42["message"]');
    # drain
    1 while pad_recv($ws, 0.3);
    $ws->close;
}
ok($sent >= 2000, "$sent garbage messages sent");

ok(kill(0, $worker), 'the worker is alive');
is(scalar(my @w = $ng->worker_pids), 1, 'no respawn');
unlike($ng->log, qr/\[(?:alert|crit|emerg)\]|exited on signal/,
       'no alert');
my ($rss) = `grep VmRSS /proc/$worker/status` =~ /(\d+)/;
ok($rss && $rss < 100_000, "worker RSS ${rss} kB");

# the pad still works
my $r = sim(urls => [ 'http://127.0.0.1:' . $ng->port ], pad => 'garbage',
            clients => 3, edits => 5, transports => ['websocket']);
ok($r->{ok}, 'the pad still converges') or diag(explain($r));
$ng->stop;
