# Concurrent API writes of one pad (ngx_pad_http_api_lock.c): a worker runs
# a pad's writes one after the other, so N appendText calls sent at once
# on N connections all succeed (code 0, none out of tries), each is one
# revision, and the text holds every one; a call whose client goes away
# while it waits does not hold up the others; writes of other pads do not
# wait.  With one worker every write of the pad is in that worker; with
# two instances on one Redis the writes of both still all land (the head
# check, as before).  The reads of the writes store the key snapshots
# that the API's appends do not.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx);
use Test::More;
use Test::Pad::API;
use IO::Socket::INET;
use IO::Select;
use POSIX ();
use Time::HiRes qw(time sleep);

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $key = 'c' x 32;
my $kf = api_key_file($key);

my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 1,
        log_level => 'debug',
        http   => "pad_api_key_file $kf;\n"
                . "pad_redis_prefix t718:;\npad_snapshot_interval 10;\n",
        server => "location /api { pad_api; }\n")
        or die "nginx did not start\n"
} 1 .. 2;

sub api {
    my ($ng, $fn, %q) = @_;
    return scalar api_call($ng, $key, $fn, \%q, raw => 1);
}

# sends every request at once, one connection each; the bodies by index
sub at_once {
    my ($ng, @paths) = @_;
    my (@s, %body, %idx);
    my $sel = IO::Select->new;
    for my $i (0 .. $#paths) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $ng->port, Proto => 'tcp')
            or die "connect: $!";
        push @s, $s;
        $idx{fileno $s} = $i;
        $body{$i} = '';
        $sel->add($s);
    }
    for my $i (0 .. $#paths) {
        $s[$i]->syswrite("GET $paths[$i] HTTP/1.0\r\nHost: x\r\n\r\n");
    }
    my $deadline = time + 30;
    while ($sel->count && time < $deadline) {
        for my $s ($sel->can_read(1)) {
            my $n = sysread($s, my $buf, 65536);
            if ($n) {
                $body{ $idx{fileno $s} } .= $buf;
            } else {
                $sel->remove($s);
                close $s;
            }
        }
    }
    return map { my ($b) = $body{$_} =~ /\r\n\r\n(.*)\z/s; $b // '' }
           0 .. $#paths;
}

is(api($ng[0], 'createPad', padID => 'hot', text => 'start')->{code}, 0,
   'createPad hot');

my $n = 40;
my @r = at_once($ng[0], map { "/api/1.3.0/appendText?apikey=$key"
                              . "&padID=hot&text=%5Bw$_%5D" } 1 .. $n);
is(scalar(grep { /"code":0/ } @r), $n, "$n appendText at once: all code 0")
    or diag join "\n", grep { !/"code":0/ } @r;
is(api($ng[0], 'getRevisionsCount', padID => 'hot')->{data}{revisions}, $n,
   '... one revision each');
my $text = api($ng[0], 'getText', padID => 'hot')->{data}{text};
is(scalar(() = $text =~ /\[w\d+\]/g), $n, '... every text in the pad');
is(scalar(grep { $text =~ /\[w$_\]/ } 1 .. $n), $n, '... each once');
# the API keeps no AText, so each write's read stores the key snapshot
# its predecessor did not (every 10th revision here)
my $rc = $redis->client;
is_deeply([ $rc->zrange('t718:{hot}:snapidx', 0, -1) ],
          [ 0, 10, 20, 30, 40 ],
          'key snapshots 10 to 40 stored by the reads (40: getText)')
    or diag explain [ $rc->zrange('t718:{hot}:snapidx', 0, -1) ];
like($ng[0]->log, qr/storing the missing key snapshot 30/, '... (debug log)');
like($ng[0]->log, qr/appendText waits for another write of "hot"/,
     'the calls waited for each other (debug log)');
unlike($ng[0]->log, qr/the head kept moving/, 'no call ran out of tries');

# a waiting call whose client leaves: the others go on
my @s = map {
    IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ng[0]->port,
                          Proto => 'tcp') or die $!
} 1 .. 5;
$_->syswrite("GET /api/1.3.0/appendText?apikey=$key&padID=hot&text=gone"
             . " HTTP/1.0\r\nHost: x\r\n\r\n") for @s;
close $_ for @s;
@r = at_once($ng[0], map { "/api/1.3.0/appendText?apikey=$key"
                           . "&padID=hot&text=%5Bv$_%5D" } 1 .. 10);
is(scalar(grep { /"code":0/ } @r), 10,
   'after five clients left while waiting: ten more all code 0');
$text = api($ng[0], 'getText', padID => 'hot')->{data}{text};
is(scalar(grep { $text =~ /\[v$_\]/ } 1 .. 10), 10, '... all in the pad');

# another pad does not wait for hot
is(api($ng[0], 'createPad', padID => 'cold')->{code}, 0, 'createPad cold');
@r = at_once($ng[0],
    (map { "/api/1.3.0/appendText?apikey=$key&padID=hot&text=h" } 1 .. 5),
    "/api/1.3.0/appendText?apikey=$key&padID=cold&text=c");
is(scalar(grep { /"code":0/ } @r), 6, 'writes of two pads at once: code 0');
unlike($ng[0]->log, qr/appendText waits for another write of "cold"/,
       '... cold never waited for hot');

# two instances: each serializes its own, the head check the rest
my $before = api($ng[0], 'getRevisionsCount', padID => 'hot')->{data}
             {revisions};
my @paths = map { "/api/1.3.0/appendText?apikey=$key&padID=hot"
                  . "&text=%5Bx$_%5D" } 1 .. 20;
my $pid = fork // die;
if ($pid == 0) {
    my @b = at_once($ng[1], @paths[10 .. 19]);
    POSIX::_exit(scalar(grep { /"code":0/ } @b) == 10 ? 0 : 1);
}
@r = at_once($ng[0], @paths[0 .. 9]);
waitpid $pid, 0;
is($? >> 8, 0, 'two instances: the other\'s ten all code 0');
is(scalar(grep { /"code":0/ } @r), 10, '... and this one\'s');
is(api($ng[1], 'getRevisionsCount', padID => 'hot')->{data}{revisions},
   $before + 20, '... twenty revisions');
$text = api($ng[1], 'getText', padID => 'hot')->{data}{text};
is(scalar(grep { $text =~ /\[x$_\]/ } 1 .. 20), 20, '... all twenty texts');

for my $ng (@ng) {
    unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
    $ng->stop;
}
