# Pub/sub through the pad engine: one Redis subscription per pad per worker
# whatever the number of sessions; revisions appended elsewhere (another
# host) reach the sessions; a revision published while the pub/sub
# connection was down is caught up after the automatic resubscribe; the
# same after a Redis restart; the last session leaving unsubscribes.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT b36 pad_joined);
use Test::More;
use Time::HiRes qw(sleep);

my %body;
for my $f (glob "$FindBin::Bin/../ngx_pad_module/store/scripts/*.lua") {
    my ($name) = $f =~ m{([^/]+)\.lua$};
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    $body{$name} = <$fh>;
}

# persistent, so that the pad survives the restart below
my $redis = Test::Pad::Redis->new(args => ['--appendonly', 'yes',
                                           '--appendfsync', 'always']);
ok($redis->start, 'redis starts') or die('no redis' . "\n");

my $ng = engine_nginx(redis_port => $redis->port, workers => 1)
    or die('nginx did not start' . "\n");
ok($ng->wait_log(qr/pub\/sub connection to \S+ ready/, 5), 'client ready');

my $pad = 'pubsub-1';
my $ch = "ngxpad:{$pad}:ch";
my $r = $redis->client;

sub numsub {
    my @l = $r->pubsub('numsub', $ch);
    return $l[1] // 0;
}

my $ca = pad_joined($ng, $pad, 't.aaaaaaaaaaaaaaaaaaaa');
ok($ca, 'first session joined') or die('no CLIENT_VARS' . "\n");
my $a = $ca->{ws};
my $len = $ca->{len};
ok(wait_until(sub { numsub() == 1 }, 3), 'the pad channel is subscribed');

my $cb = pad_joined($ng, $pad, 't.bbbbbbbbbbbbbbbbbbbb');
ok($cb, 'second session joined');
my $b = $cb && $cb->{ws};
sleep(0.3);
is(numsub(), 1, 'two sessions, still one subscription');

# a revision appended by someone else (another nginx host), as it would
my $meta = "ngxpad:{$pad}:meta";

sub external_append {
    my ($text) = @_;
    my $head = $r->hget($meta, 'head');
    my $next = $r->hget($meta, 'pool_next') // 0;
    my $cs = 'Z:' . b36($len) . '>' . b36(length $text) . '+'
             . b36(length $text) . '$' . $text;
    my @res = $r->eval($body{append}, 3, $meta, "ngxpad:{$pad}:revs",
                       "ngxpad:{$pad}:pool", $head, $ch, $next, 0, $cs,
                       'a.elsewhere');
    $len += length $text if $res[0] == 1;
    return $res[0] == 1 ? $res[1] : undef;
}

sub got_rev {
    my ($ws, $rev) = @_;
    my ($m) = pad_recv_until($ws, sub {
        ($_[0]{data}{type} || '') eq 'NEW_CHANGES'
        && $_[0]{data}{newRev} == $rev }, 5);
    return $m;
}

my $rev = external_append('X');
ok(defined $rev, "external revision $rev appended");
ok(got_rev($a, $rev), 'session 1 receives it');
ok(got_rev($b, $rev), 'session 2 receives it');

# the pub/sub connection dies; a revision is published meanwhile
my $mark = $ng->log_mark;
$r->client_kill('TYPE', 'pubsub');
$rev = external_append('Y');
ok(defined $rev, "revision $rev appended while the worker's pub/sub "
   . 'connection is down');
ok($ng->wait_log(qr/pub\/sub connection to \S+ ready again/, 5, $mark),
   'pub/sub connection back');
ok(wait_until(sub { numsub() == 1 }, 3), 'the pad channel is resubscribed');
ok(got_rev($a, $rev), 'session 1 gets the missed revision (catch-up)');
ok(got_rev($b, $rev), 'session 2 too');

# Redis restarts (with its data)
$mark = $ng->log_mark;
$redis->stop;
ok($redis->start, 'redis restarts');
$r = $redis->client;
ok($ng->wait_log(qr/pub\/sub connection to \S+ ready again/, 5, $mark),
   'reconnected');
ok(wait_until(sub { numsub() == 1 }, 3), 'resubscribed after the restart');
$rev = external_append('Z');
ok(defined $rev, "revision $rev appended after the restart");
ok(got_rev($a, $rev), 'session 1 receives it');
ok(got_rev($b, $rev), 'session 2 receives it');

# the sessions leave
$a->send_close(1000);
$b->send_close(1000);
ok(wait_until(sub { numsub() == 0 }, 5),
   'the last session leaving unsubscribes the pad channel');
my @left = $r->pubsub('channels', 'ngxpad:*');
is(scalar(grep { /^ngxpad:worker:/ } @left), 1,
   'the worker keepalive channel stays');

ok($ng->stop, 'nginx stops');
$redis->stop;
