# The HTTP API's padUsersCount, padUsers and getStats over two nginx
# instances (two workers, one): what every worker records in Redis (its
# sessions of each pad and their authors, pad_users_listed of them; its
# sessions and pads in the stats keys), expiring records of dead workers
# ignored and removed, totalPads from the Ppads set.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined);
use Test::More;
use Test::Pad::API;
use Time::HiRes qw(time sleep);

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $key = 'userskey0123456789';
my $kf = api_key_file($key);

my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 3 - $_,
        http => "pad_api_key_file $kf;\n"
                . ($_ == 2 ? "pad_users_listed 1;\n" : ''),
        server => "location /api { pad_api; }\n")
        or die "nginx did not start\n"
} 1 .. 2;

sub api {
    my ($fn, $q, %o) = @_;
    return scalar api_call($o{ng} || $ng[0], $key, $fn, $q,
                           version => $o{version}, raw => 1);
}

sub user { (msg => { userInfo => { name => $_[0], colorId => '#123456' } }) }

my $rc = $redis->client;

# nobody yet
is_deeply(api('padUsersCount', { padID => 'users1' }),
          { code => 0, message => 'ok', data => { padUsersCount => 0 } },
          'padUsersCount of an empty pad: 0');
is_deeply(api('padUsersCount', {})->{data}, { padUsersCount => 0 },
          'padUsersCount without padID: 0, as Etherpad\'s empty room');
is_deeply(api('padUsers', { padID => 'nosuch' })->{data}, { padUsers => [] },
          'padUsers of no pad: []');
is_deeply(api('getStats', {})->{data},
          { totalPads => 0, totalSessions => 0, totalActivePads => 0 },
          'getStats: nothing');

my $a = pad_joined($ng[0], 'users1', 't.' . 'a' x 20, user('Alice'))
    or die "a\n";
my $c = pad_joined($ng[0], 'users1', 't.' . 'c' x 20) or die "c\n";
my $b = pad_joined($ng[1], 'users1', 't.' . 'b' x 20, user('Bob'))
    or die "b\n";
my $d = pad_joined($ng[1], 'users1', 't.' . 'd' x 20, user('Dave'))
    or die "d\n";
my $e = pad_joined($ng[1], 'users2', 't.' . 'e' x 20, user('Eve'))
    or die "e\n";

for my $i (0, 1) {
    my $j = api('padUsersCount', { padID => 'users1' }, ng => $ng[$i]);
    is_deeply($j->{data}, { padUsersCount => 4 },
              'padUsersCount: 4 on two instances, asked on instance '
              . ($i + 1));
}

my $j = api('padUsers', { padID => 'users1' }, ng => $ng[1]);
my @u = sort { $a->{id} cmp $b->{id} } @{ $j->{data}{padUsers} || [] };
is(scalar @u, 3, 'padUsers: 3 of the 4, instance 2 lists 1 '
   . '(pad_users_listed 1)');
my %by = map { $_->{id} => $_ } @u;
is_deeply([ sort keys %{ $by{$a->{id}} || {} } ],
          [ qw(colorId id name timestamp) ],
          'each as the author record: colorId, name, timestamp, and id');
is($by{$a->{id}}{name}, 'Alice', 'Alice (instance 1)');
is($by{$a->{id}}{colorId}, '#123456', '... her colour');
ok($by{$a->{id}}{timestamp} > (time - 120) * 1000, '... created now (ms)');
ok($by{$c->{id}} && !defined $by{$c->{id}}{name}
   && $by{$c->{id}}{colorId} =~ /^\d+$/,
   'an unnamed author: name null, a palette index');
ok(($by{$b->{id}} xor $by{$d->{id}}), 'one of Bob and Dave (instance 2)');

$j = api('padUsers', { padID => 'users1' }, version => '1');
is($j->{code}, 3, 'padUsers is not in version 1');
$j = api('getStats', {}, version => '1.2.13');
is($j->{code}, 3, 'getStats is not in 1.2.13');

# Ppads, as the pad writes keep it
$rc->sadd('ngxpad:pads', $_) for qw(users1 users2 other);
is_deeply(api('getStats', {}, ng => $ng[1])->{data},
          { totalPads => 3, totalSessions => 5, totalActivePads => 2 },
          'getStats: the Ppads set, 5 sessions, 2 pads over the fleet');

# a dead worker's records expire
$rc->hset('ngxpad:{stats}:workers', 'deadworker', '7:1000');
$rc->zadd('ngxpad:{stats}:pads', 1000, 'deadpad');
$rc->hset('ngxpad:{users1}:conn', 'deadworker', '9:1000:a.dead');
is_deeply(api('getStats', {})->{data},
          { totalPads => 3, totalSessions => 5, totalActivePads => 2 },
          'an expired worker and pad are not counted');
ok(!$rc->hexists('ngxpad:{stats}:workers', 'deadworker')
   && !defined $rc->zscore('ngxpad:{stats}:pads', 'deadpad'),
   '... and removed');
is(api('padUsersCount', { padID => 'users1' })->{data}{padUsersCount}, 4,
   'an expired conn field is not counted');
$rc->hdel('ngxpad:{users1}:conn', 'deadworker');   # (it would keep users1
                                                   # active until its score
                                                   # expires)

# leaving
$_->{ws}->close for $b, $e;
ok(wait_until(sub { api('padUsersCount', { padID => 'users1' })
                    ->{data}{padUsersCount} == 3 }, 5),
   'Bob leaves: padUsersCount 3');
ok(wait_until(sub {
       my $s = api('getStats', {})->{data};
       $s->{totalSessions} == 3 && $s->{totalActivePads} == 1 }, 5),
   'Eve leaves users2: 3 sessions, 1 active pad');
$_->{ws}->close for $a, $c, $d;
my $s;
ok(wait_until(sub {
       $s = api('getStats', {})->{data};
       $s->{totalSessions} == 0 && $s->{totalActivePads} == 0 }, 5),
   'everyone left: 0 sessions, 0 active pads') or diag(explain($s));
is_deeply(api('padUsers', { padID => 'users1' })->{data}, { padUsers => [] },
          'padUsers: []');

$_->stop for @ng;
unlike($_->log, qr/\[(alert|crit|emerg)\]/, 'no alert') for @ng;
