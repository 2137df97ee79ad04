# Connection options: a unix socket, AUTH (right and wrong password), SELECT;
# reload and stop while a command is pending (the worker waits for it, up
# to pad_redis_command_timeout, or worker_shutdown_timeout closes it).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::More;
use Time::HiRes qw(sleep time);
use Redis;

my %body;
for my $f (glob "$FindBin::Bin/../ngx_pad_module/store/scripts/*.lua") {
    my ($name) = $f =~ m{([^/]+)\.lua$};
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    $body{$name} = <$fh>;
}

my $dir = tmpdir('redis-unix');
chmod 0755, $dir;
my $sock = "$dir/redis.sock";
my $redis = Test::Pad::Redis->new(dir => $dir, args => [
    '--unixsocket', $sock, '--unixsocketperm', '777']);
ok($redis->start, 'redis with a unix socket') or die("stopping: setup failed\n");

my $r = Redis->new(sock => $sock);
$r->config_set('requirepass', 's3cret');
$r = Redis->new(sock => $sock, password => 's3cret');

sub create_pad {
    my ($prefix, $pad, $text) = @_;
    my $n = length $text;
    my @res = $r->eval($body{append}, 3, "$prefix\{$pad\}:meta",
                       "$prefix\{$pad\}:revs", "$prefix\{$pad\}:pool", -1,
                       "$prefix\{$pad\}:ch", 0, 0, "Z:1>$n+$n\$$text", 'a.x');
    return $res[0];
}

# --- unix socket, AUTH, SELECT --------------------------------------------

my $ng = start_nginx(
    workers     => 1,
    log_level   => 'info',
    http_config => "pad_redis unix:$sock;\n"
                 . "pad_redis_password s3cret;\n"
                 . "pad_redis_db 3;\n"
                 . "pad_redis_prefix t204:;\n",
    config      => 'location /p/ { pad_http; }',
);
ok($ng, 'nginx starts') or die("stopping: setup failed\n");
ok($ng->wait_log(qr/pub\/sub connection to unix:\S+ ready/, 5),
   'both connections ready over the unix socket');

$r->select(3);
is(create_pad('t204:', 'p', 'abc'), 1, 'pad created in database 3');
my $res = http_get($ng, '/p/p/export/txt');
is($res->{body}, "abc\n", 'export reads database 3');
$r->select(0);
is(create_pad('t204:', 'zero', 'abc'), 1, 'a pad in database 0');
is(http_get($ng, '/p/zero/export/txt')->{status}, 404,
   '... is not seen: the module uses database 3');
unlike($ng->log, qr/\[error\]/, 'no error');
ok($ng->stop, 'nginx stops');

# --- wrong password: refused, logged once, 503 ------------------------------

$ng = start_nginx(
    workers     => 1,
    log_level   => 'info',
    http_config => "pad_redis unix:$sock;\n"
                 . "pad_redis_password wrong;\n"
                 . "pad_redis_backoff_max 100ms;\n",
    config      => 'location /p/ { pad_http; }',
);
ok($ng, 'nginx starts with a wrong password') or die("stopping: setup failed\n");
ok($ng->wait_log(qr/redis refused/, 5), 'refusal logged');
sleep(0.6);
$res = http_get($ng, '/p/p/export/txt');
is($res->{status}, 503, 'export: 503');
like($res->{body}, qr/redis unavailable: redis refused \((WRONGPASS|ERR)/,
     '... with the reason');
my @err = grep { /\[error\]/ } split /\n/, $ng->log;
is(scalar @err, 1, 'one [error] line despite the retries')
    or diag(join "\n", @err);
like($err[0] // '', qr/cannot connect command connection .*redis refused/,
     'it says why');
ok($ng->stop, 'nginx stops');

# --- reload while a command is pending --------------------------------------

$ng = start_nginx(
    workers     => 1,
    log_level   => 'info',
    http_config => "pad_redis unix:$sock;\n"
                 . "pad_redis_password s3cret;\n"
                 . "pad_redis_command_timeout 5s;\n"
                 . "pad_redis_prefix t204:;\n",
    config      => 'location /p/ { pad_http; }',
    main_config => 'worker_shutdown_timeout 500ms;',
);
ok($ng, 'nginx starts') or die("stopping: setup failed\n");
ok($ng->wait_log(qr/pub\/sub connection to unix:\S+ ready/, 5), 'ready');
is(create_pad('t204:', 'q', 'xyz'), 1, 'pad q');

# Redis answers nothing for 3 s; a request is pending in the old worker
$r->client_pause(3000, 'ALL');
my $h = http_start($ng, method => 'GET', uri => '/p/q/export/txt',
                   timeout => 6);
sleep(0.2);
my $t0 = time;
my @old = $ng->reload;
ok($ng->wait_exit(\@old, 4), 'the old worker exits');
my $took = time - $t0;
cmp_ok($took, '<', 2.5, 'by worker_shutdown_timeout, not by the pause '
       . "(${took}s)");
$res = $h->finish(6);
ok(!$res->{status} || $res->{status} != 200,
   'the pending request did not get the text');
sleep(3.2 - $took) if $took < 3.2;
ok(wait_until(sub { http_get($ng, '/p/q/export/txt')->{status} == 200 }, 5),
   'the new worker serves the pad');
unlike($ng->log, qr/\[(alert|crit|emerg)\]|open socket/,
       'no alert, no socket left open');
ok($ng->stop, 'nginx stops');

$redis->stop;
