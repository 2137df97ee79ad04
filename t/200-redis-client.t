# The per-worker Redis client: connect, backoff while Redis is down (logged
# once), command + pub/sub connections per worker and none in the master,
# recovery after a Redis restart and after a killed connection, graceful
# reload and shutdown without alerts.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::More;
use Time::HiRes qw(sleep);

my $redis = Test::Pad::Redis->new;     # not started yet: Redis is down
my $rport = $redis->port;

my $ng = start_nginx(
    workers     => 2,
    log_level   => 'info',
    http_config => "pad_redis 127.0.0.1:$rport;\n"
                 . "pad_redis_backoff_max 200ms;\n"
                 . "pad_redis_keepalive 300ms;\n"
                 . "pad_redis_prefix t200:;\n",
    config      => 'location /socket.io/ { pad_socketio; }',
);
ok($ng, 'nginx starts while Redis is down') or die("nginx did not start" . "\n");

# several backoff rounds (100, 200, 200, ... ms) pass
ok($ng->wait_log(qr/pad redis: cannot connect command connection/, 5),
   'connect failure logged');
sleep(1.5);
is($ng->log_count(qr/\[error\].*pad redis: cannot connect command connection to 127\.0\.0\.1:$rport: connect failed \(Connection refused\)/),
   2, 'the failure is logged once per worker, not once per attempt');
is($ng->log_count(qr/pub\/sub connection/), 0,
   'no pub/sub connection is tried before the command connection works');

# Redis comes up: both connections of both workers become ready
my $mark = $ng->log_mark;
ok($redis->start, 'redis starts');
ok($ng->wait_log(qr/(?s)(pub\/sub connection to \S+ ready.*){2}/, 5, $mark),
   'both workers get a ready pub/sub connection');
is($ng->log_count(
       qr/\[notice\].*command connection to 127\.0\.0\.1:$rport ready/, $mark),
   2, 'command connections ready, logged once each');

my $r = $redis->client;

sub clients {
    my @c = grep { /\S/ } split /\n/, $r->client_list;
    # not our own connection (the one running CLIENT LIST)
    return grep { !/cmd=client/ } @c;
}

ok(wait_until(sub { clients() == 4 }, 3),
   'four connections: command + pub/sub for each of 2 workers, none in '
   . 'the master') or diag(join "\n", clients());
# (sub=2 with the session relay's channel, ngx_pad_module/transport/ngx_pad_relay.c)
is(scalar(grep { / sub=[1-9]\d* / } clients()), 2,
   'two of them are subscribed');

my @ka = @{ $r->pubsub('channels', 't200:worker:*') };
is(scalar @ka, 2, 'each worker subscribes its keepalive channel') or diag("@ka");
like($ka[0] // '', qr/^t200:worker:\d+:\d+:ka$/, 'keepalive channel name');

# keepalive: the command connection sends PINGs, the pub/sub one re-subscribes
my ($before) = $r->info('commandstats')->{cmdstat_ping} =~ /calls=(\d+)/;
sleep(1.5);
my ($after) = $r->info('commandstats')->{cmdstat_ping} =~ /calls=(\d+)/;
cmp_ok($after - ($before // 0), '>=', 3, 'keepalive PINGs every 300ms');

# kill only the pub/sub connections: they come back, command ones stay
$mark = $ng->log_mark;
my @cmd_ids = map { /id=(\d+)/ } grep { / sub=0 / } clients();
$r->client_kill('TYPE', 'pubsub');
ok($ng->wait_log(qr/(?s)(pub\/sub connection to \S+ ready again.*){2}/, 5,
                 $mark), 'pub/sub connections come back');
is($ng->log_count(qr/\[error\].*pub\/sub connection to \S+ lost/, $mark),
   2, 'their loss is logged once each');
is($ng->log_count(qr/command connection/, $mark), 0,
   'command connections are not affected');
is_deeply([sort map { /id=(\d+)/ } grep { / sub=0 / } clients()],
          [sort @cmd_ids], 'same command connections');

# Redis restarts: everything reconnects
$mark = $ng->log_mark;
$redis->stop;
ok($ng->wait_log(qr/(?s)(command connection to \S+ lost.*){2}/, 5, $mark),
   'command connections lost');
sleep(0.7);
is($ng->log_count(qr/\[error\]/, $mark), 4,
   'four [error] lines: one per lost connection, none per retry');
ok($redis->start, 'redis restarts');
ok($ng->wait_log(qr/(?s)(pub\/sub connection to \S+ ready again.*){2}/, 5,
                 $mark), 'pub/sub connections ready again');
$r = $redis->client;
ok(wait_until(sub { clients() == 4 }, 3), 'four connections again');

# graceful reload: the old workers close their connections and exit
$mark = $ng->log_mark;
my @old = $ng->reload;
ok($ng->wait_exit(\@old, 5), 'old workers exit after reload');
ok(wait_until(sub { clients() == 4 }, 5), 'new workers connected')
    or diag(join "\n", clients());
unlike($ng->log_since($mark), qr/\[(alert|crit|emerg)\]|open socket/,
       'no alert, no socket left open');

ok($ng->stop, 'nginx stops');
ok(wait_until(sub { clients() == 0 }, 3), 'no connection left after stop');
$redis->stop;
