# deletePad while a worker that holds the pad is cut off from Redis: it
# misses delete.lua's publish, and when it is back it compares its copy
# (head.lua) and finds the tombstone (deleted:<hist>): it drops the copy,
# kicks its sessions with {"disconnect":"deleted"} and never writes the pad
# back, neither when Redis lacks the pad nor when the pad was created anew
# meanwhile (no merge of the deleted history into the new one).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_recv_until
                         pause_workers resume_workers);
use Test::More;
use Test::Pad::API;
use Time::HiRes qw(sleep time);

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $rc = $redis->client;

my $key = 'd' x 32;
my $kf = api_key_file($key);

my @ng = map {
    engine_nginx(redis_port => $redis->port,
        http   => "pad_api_key_file $kf;\n"
                . "pad_redis_prefix t711:;\n",
        server => "location /api { pad_api; }\n")
        or die "nginx did not start\n"
} 1 .. 2;

sub api {
    my ($ng, $fn, %q) = @_;
    return scalar api_call($ng, $key, $fn, \%q, raw => 1);
}

# every connection of the nginx to Redis is cut
sub cut_all {
    $rc->client_kill('TYPE', $_) for qw(normal pubsub);
}

for my $case ('gone', 'created anew') {
    my $pad = $case eq 'gone' ? 'hold1' : 'hold2';

    # B (instance 2) holds the pad with acknowledged revisions
    my $c = pad_joined($ng[1], $pad, 't.' . 'h' x 20);
    ok($c, "$case: a client of $pad on instance B");
    is(pad_insert($c, "kept by B\n"), 'accepted', '... it types');
    is(pad_insert($c, "more\n"), 'accepted', '... more');

    my @p = pause_workers($ng[1]);
    cut_all();
    ok(wait_until(sub { (api($ng[0], 'getRevisionsCount', padID => $pad)
                         ->{code} // -1) == 0 }, 10),
       '... B paused and cut off; instance A reaches Redis again');
    is_deeply(api($ng[0], 'deletePad', padID => $pad),
              { code => 0, message => 'ok', data => undef },
              '... deletePad through A meanwhile');

    if ($case eq 'created anew') {
        is(api($ng[0], 'createPad', padID => $pad, text => 'fresh')->{code},
           0, '... and createPad anew');
    }

    resume_workers(@p);
    my ($m) = pad_recv_until($c->{ws}, sub { $_[0]{disconnect} }, 10);
    is_deeply($m, { disconnect => 'deleted' },
              "$case: B's client gets {disconnect: deleted} once B is back");
    sleep 1;

    if ($case eq 'gone') {
        is(api($ng[0], 'getText', padID => $pad)->{message},
           'padID does not exist', '... and the pad was not written back');
        ok(!$rc->exists("t711:{$pad}:revs"), '... no revision of it');
    } else {
        is(api($ng[0], 'getText', padID => $pad)->{data}{text}, "fresh\n",
           '... the new pad keeps its text (no merge)');
        is(api($ng[0], 'getRevisionsCount', padID => $pad)->{data}{revisions},
           0, '... and its revision 0 only');
    }

    like($ng[1]->log, qr/pad: "\Q$pad\E": deleted/, '... B logged the drop');
    $c->{ws}->close;

    # a join on B now sees the pad as Redis has it
    my $d = pad_joined($ng[1], $pad, 't.' . 'i' x 20);
    ok($d, '... a new client joins on B');
    if ($case eq 'gone') {
        like($d->{text}, qr/^Welcome/, '... a new pad, of the default text');
    } else {
        is($d->{text}, "fresh\n", '... the new pad');
    }
    $d->{ws}->close if $d;
}

unlike($ng[1]->log, qr/merging|restoring/, 'B never restored or merged');
for my $ng (@ng) {
    unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
    $ng->stop;
}
