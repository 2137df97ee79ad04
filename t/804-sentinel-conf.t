# The Sentinel, AUTH and WAIT directives: what nginx -t refuses, with a
# message naming the problem; a master name the sentinels do not know is
# logged (once per sentinel) and joins get "unavailable".
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join);
use Test::Pad::Sentinel;

my $dir = Test::Pad::tmpdir('conf');
{ open my $fh, '>', "$dir/empty" or die; close $fh; }
{ open my $fh, '>', "$dir/pw" or die; print $fh "pw\n"; close $fh; }

sub conf_test {
    my ($http) = @_;
    my $ng = Test::Pad::Nginx->new(
        redis => 0, load_module => 1, workers => 1, log_level => 'info',
        http_config => $http,
        config => 'location /socket.io/ { pad_socketio; }');
    return $ng->test_config;
}

my $S = 'pad_redis_sentinel m 127.0.0.1:26379';
my @bad = (
    [ 'pad_redis_sentinel m 127.0.0.1;',
      qr/no port in sentinel address "127\.0\.0\.1"/, 'an address without port' ],
    [ 'pad_redis_sentinel m 127.0.0.1:99999;',
      qr/invalid port in sentinel address "127\.0\.0\.1:99999"/,
      'a bad port' ],
    [ 'pad_redis_sentinel m no-such-host.invalid:26379;',
      qr/host not found in sentinel address/, 'a name that does not resolve' ],
    [ 'pad_redis_sentinel 127.0.0.1:26379 127.0.0.1:26380;',
      qr/invalid master name "127\.0\.0\.1:26379".*comes first/,
      'the master name missing' ],
    [ 'pad_redis_sentinel m;', qr/invalid number of arguments/,
      'no sentinel' ],
    [ "$S;\n$S;", qr/"pad_redis_sentinel" directive is duplicate/,
      'twice' ],
    [ "$S;\npad_redis 127.0.0.1:6379;",
      qr/"pad_redis" and "pad_redis_sentinel" exclude each other/,
      'with pad_redis' ],
    [ 'pad_redis_sentinel_password x;',
      qr/"pad_redis_sentinel_password" needs "pad_redis_sentinel"/,
      'a sentinel password without sentinels' ],
    [ 'pad_redis_user u;', qr/"pad_redis_user" needs "pad_redis_password"/,
      'a user without password' ],
    [ "pad_redis_password x;\npad_redis_password_file $dir/pw;",
      qr/"pad_redis_password_file" directive is duplicate/,
      'a password and a password file' ],
    [ "pad_redis_password_file $dir/none;",
      qr/open\(\) ".*none" failed/, 'a password file that is missing' ],
    [ "pad_redis_password_file $dir/empty;",
      qr/"pad_redis_password_file" needs a first line of 1\.\.1024 bytes/,
      'an empty password file' ],
    [ 'pad_redis_wait_replicas 1 0;',
      qr/"pad_redis_wait_replicas" must be 1ms\.\.10m, not "0"/,
      'a WAIT timeout of 0' ],
    [ "pad_redis_wait_replicas 1 3s;\npad_redis_command_timeout 3s;",
      qr/"pad_redis_wait_replicas" needs a timeout below "pad_redis_command_timeout"/,
      'a WAIT timeout not below the command timeout' ],
);
for my $b (@bad) {
    my ($ok, $out) = conf_test($b->[0]);
    ok(!$ok, "nginx -t refuses $b->[2]");
    like($out, $b->[1], "$b->[2]: the message says why") or diag($out);
}

my ($ok, $out) = conf_test("$S 127.0.0.1:26380;\n"
                           . "pad_redis_sentinel_password_file $dir/pw;\n"
                           . "pad_redis_user u;\npad_redis_password p;\n"
                           . "pad_redis_wait_replicas 1 500ms;");
ok($ok, 'a full Sentinel configuration passes') or diag($out);

# a name the sentinels do not know
my $set = Test::Pad::Sentinel->start(replicas => 1, sentinels => 2);
my $ng = Test::Pad::start_nginx(
    workers => 1, log_level => 'info', redis => 0,
    http_config => "pad_redis_sentinel nosuchmaster "
                 . join(' ', map { '127.0.0.1:' . $_->port } $set->sentinels)
                 . ";\npad_redis_backoff_max 200ms;\n"
                 . "pad_join_timeout 1s;\n",
    config => "location /socket.io/ { pad_socketio; }\n")
    or die("nginx did not start\n");
ok($ng->wait_log(qr/no sentinel named master "nosuchmaster"/, 10),
   'an unknown master name: logged');
for my $s ($set->sentinels) {
    my $p = $s->port;
    like($ng->log, qr/sentinel 127\.0\.0\.1:$p, asked for master "nosuchmaster": does not know the master/,
         "sentinel $p: logged");
}
my $c = pad_join($ng, 'nomaster', 't.aaaaaaaaaaaaaaaaaaaa');
is($c && $c->{m} && $c->{m}{disconnect}, 'unavailable',
   'a join gets "unavailable"');
sleep 1;
my @l = $ng->log =~ /no sentinel named master/g;
is(scalar @l, 1, 'logged once, not on every retry');
$ng->stop;
