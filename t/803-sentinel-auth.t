# AUTH: data nodes with requirepass (pad_redis_password, or
# pad_redis_password_file), sentinels with requirepass
# (pad_redis_sentinel_password[_file]), an ACL user (pad_redis_user); a
# wrong password is logged clearly, once, and never the password itself
# (not even inside an error reply that quotes it).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_insert);
use Test::Pad::Sentinel;
use Time::HiRes qw(time sleep);

my $DPW = 'data-Secret-4711';
my $SPW = 'sentinel-Secret-0815';
my $set = Test::Pad::Sentinel->start(replicas => 1, sentinels => 2,
                                     password => $DPW,
                                     sentinel_password => $SPW);

sub works {
    my ($ng, $pad, $what) = @_;
    ok($ng->wait_log(qr/pub\/sub connection to padmaster ready/, 10),
       "$what: connected");
    my $c = pad_join($ng, $pad, 't.aaaaaaaaaaaaaaaaaaaa');
    ok($c && defined $c->{rev}, "$what: joined");
    is(pad_insert($c, 'x'), 'accepted', "$what: a commit is acknowledged");
}

# the passwords in nginx.conf
my $ng = $set->nginx or die("nginx did not start\n");
works($ng, 'auth1', 'passwords in nginx.conf');
$ng->stop;

# the passwords in files (first line, line end stripped)
my $dir = Test::Pad::tmpdir('secrets');
for ([ "$dir/data", "$DPW\n" ], [ "$dir/sentinel", "$SPW\r\nignored\n" ]) {
    open my $fh, '>', $_->[0] or die; print $fh $_->[1]; close $fh;
}
$ng = Test::Pad::start_nginx(
    workers => 1, log_level => 'info', redis => 0,
    http_config => $set->directive
                 . "pad_redis_password_file $dir/data;\n"
                 . "pad_redis_sentinel_password_file $dir/sentinel;\n"
                 . "pad_redis_backoff_max 300ms;\n",
    config => "location /socket.io/ { pad_socketio; }\n"
            . "location /p/ { pad_http; }\n") or die("nginx did not start\n");
works($ng, 'auth2', 'passwords in files');
$ng->stop;

# a wrong data password: logged once (the first failure), then retried
# quietly; the password is never logged
$ng = Test::Pad::start_nginx(
    workers => 1, log_level => 'info', redis => 0,
    http_config => $set->directive
                 . "pad_redis_password wrong-$DPW;\n"
                 . "pad_redis_sentinel_password $SPW;\n"
                 . "pad_redis_backoff_max 200ms;\n"
                 . "pad_join_timeout 1s;\n",
    config => "location /socket.io/ { pad_socketio; }\n")
    or die("nginx did not start\n");
ok($ng->wait_log(qr/cannot connect command connection to padmaster: redis refused \(WRONGPASS/, 10),
   'wrong data password: logged');
sleep 2;
my @l = $ng->log =~ /WRONGPASS/g;
is(scalar @l, 1, 'logged once, not on every retry');
unlike($ng->log, qr/\Q$DPW\E/, 'the password is not in the log');
my $c = pad_join($ng, 'auth3', 't.aaaaaaaaaaaaaaaaaaaa');
is($c && $c->{m} && $c->{m}{disconnect}, 'unavailable',
   'a join gets "unavailable"');
$ng->stop;

# a wrong sentinel password: each sentinel logged once, then quietly
$ng = Test::Pad::start_nginx(
    workers => 1, log_level => 'info', redis => 0,
    http_config => $set->directive
                 . "pad_redis_password $DPW;\n"
                 . "pad_redis_sentinel_password wrong-$SPW;\n"
                 . "pad_redis_backoff_max 200ms;\n"
                 . "pad_join_timeout 1s;\n",
    config => "location /socket.io/ { pad_socketio; }\n")
    or die("nginx did not start\n");
ok($ng->wait_log(qr/no sentinel named master "padmaster"/, 10),
   'wrong sentinel password: no master');
sleep 2;
my $log = $ng->log;
for my $s ($set->sentinels) {
    my $p = $s->port;
    my @m = $log =~ /sentinel 127\.0\.0\.1:$p, asked for master "padmaster": AUTH refused \(WRONGPASS/g;
    is(scalar @m, 1, "sentinel $p: the refusal logged once");
}
@l = $log =~ /no sentinel named master/g;
is(scalar @l, 1, 'no master: logged once');
unlike($log, qr/\Q$SPW\E/, 'the password is not in the log');
$ng->stop;

# an ACL user on a single Redis: AUTH user password
my $redis = start_redis() or die("redis-server did not start\n");
Test::Pad::Sentinel::cli(undef, $redis->port, undef, 'ACL', 'SETUSER',
                         'paduser', 'on', '>user-Secret-1', '~*', '&*',
                         '+@all');
Test::Pad::Sentinel::cli(undef, $redis->port, undef, 'ACL', 'SETUSER',
                         'default', 'off');
$ng = Test::Pad::start_nginx(
    workers => 1, log_level => 'info', redis => 0,
    http_config => "pad_redis 127.0.0.1:" . $redis->port . ";\n"
                 . "pad_redis_user paduser;\n"
                 . "pad_redis_password user-Secret-1;\n",
    config => "location /socket.io/ { pad_socketio; }\n")
    or die("nginx did not start\n");
ok($ng->wait_log(qr/pub\/sub connection to \S+ ready/, 10),
   'ACL user: connected');
$c = pad_join($ng, 'auth4', 't.aaaaaaaaaaaaaaaaaaaa');
is(pad_insert($c, 'y'), 'accepted', 'ACL user: a commit is acknowledged');
$ng->stop;

# an error reply that quotes the password (Redis quotes the arguments of
# a command it does not know): cut before it is logged
my $r2 = start_redis(args => [ '--rename-command', 'AUTH', '' ])
    or die("redis-server did not start\n");
$ng = Test::Pad::start_nginx(
    workers => 1, log_level => 'info', redis => 0,
    http_config => "pad_redis 127.0.0.1:" . $r2->port . ";\n"
                 . "pad_redis_password quoted-Secret-99;\n",
    config => "location /socket.io/ { pad_socketio; }\n")
    or die("nginx did not start\n");
ok($ng->wait_log(qr/redis refused \(ERR \(the rest withheld: it quotes the password\)\)/, 10),
   'a reply quoting the password: logged without it');
unlike($ng->log, qr/quoted-Secret-99/, 'the password is not in the log');
$ng->stop;
