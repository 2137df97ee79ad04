# A pad written through the HTTP API while its slot migrates between two
# primaries of a real cluster: a writer appends "w1", "w2", ... one at a
# time while the slot's keys move.  First one key of the pad moves
# (its scripts' keys are split: the source answers TRYAGAIN, the workers
# send again), then the rest (the source answers ASK: ASKING and the
# command to the importing node), then the slot is the target's (MOVED).
# Every acknowledged append is in the pad once, in order; the source
# counted TRYAGAIN errors, the target ASKING commands.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Cluster;
use Test::More;
use Time::HiRes qw(sleep time);
use POSIX ();

my $cl = Test::Pad::Cluster->start(primaries => 3, replicas => 0);
ok($cl, 'a 3-primary cluster is up') or BAIL_OUT('no cluster');
my @prim = $cl->primaries;

my $dir = Test::Pad::tmpdir();
my $key = 'd' x 32;
open my $fh, '>', "$dir/APIKEY.txt" or die $!;
print $fh "$key\n";
close $fh;

my $ng = Test::Pad::start_nginx(
    workers     => 2,
    log_level   => $ENV{T815_DEBUG} ? 'debug' : 'info',
    http_config => "pad_redis_cluster 127.0.0.1:$prim[0];\n"
                 . "pad_redis_cluster_refresh 1h;\n"
                 . "pad_redis_command_timeout 5s;\n"
                 . "pad_redis_prefix t815:;\n"
                 . "pad_api_key_file $dir/APIKEY.txt;\n",
    config      => "location /p/ { pad_http; }\n"
                 . "location /api { pad_api; }\n")
    or die "nginx did not start\n";

sub api {
    my ($fn, %q) = @_;
    my $qs = join '&', map { "$_=$q{$_}" } sort keys %q;
    my $r = http_get($ng, "/api/1.3.0/$fn?apikey=$key&$qs",
                     timeout => 20);
    return Test::Pad::json_decode($r->{body} // '') // { code => -1 };
}

my $pad = 'mig';
is(api('createPad', padID => $pad, text => 'start')->{code}, 0, 'createPad');
my $slot = $cl->cli('CLUSTER', 'KEYSLOT', "t815:{$pad}:meta");
$slot =~ s/\s+\z//;
my $from = $cl->owner($slot);
my ($to) = grep { $_ != $from } @prim;
my @keys = grep { length } split /\n/,
    $cl->cli(port => $from, 'CLUSTER', 'GETKEYSINSLOT', $slot, 100);
ok(@keys >= 2, "the pad has several keys in slot $slot: @keys");
$cl->cli(port => $from, 'CONFIG', 'RESETSTAT');
$cl->cli(port => $to, 'CONFIG', 'RESETSTAT');

# the writer: one append at a time, each acknowledged one written down
my $acked = "$dir/acked";
my $stop = "$dir/stop";
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    open my $out, '>', $acked or die $!;
    $out->autoflush(1);
    my $n = 0;
    while (!-e $stop && $n < 400) {
        $n++;
        my $r = api('appendText', padID => $pad, text => "%20w$n");
        print $out(($r->{code} // -1) == 0 ? "ok $n\n"
                   : "fail $n " . Test::Pad::json_encode($r) . "\n");
        sleep 0.02;
    }
    close $out;
    POSIX::_exit(0);    # not Test::Pad's END: nginx and Redis stay
}

sleep 0.5;
my $moved = $cl->move_slot($slot, $to, migrating => sub {
    my ($first, @rest) = @keys;
    # one key first: the scripts' keys are split now
    $cl->cli(port => $from, 'MIGRATE', '127.0.0.1', $to, '', 0, 5000,
             'KEYS', $first);
    sleep 1;
    # the rest (as the source has them now): it answers ASK then
    @rest = grep { length } split /\n/,
        $cl->cli(port => $from, 'CLUSTER', 'GETKEYSINSLOT', $slot, 100);
    $cl->cli(port => $from, 'MIGRATE', '127.0.0.1', $to, '', 0, 5000,
             'KEYS', @rest);
    sleep 1;
});
ok($moved, "slot $slot moved $from -> $to under writes");
sleep 0.5;
open my $sf, '>', $stop or die $!;
close $sf;
waitpid $pid, 0;

open my $in, '<', $acked or die $!;
my @res = <$in>;
close $in;
my @ok = map { /^ok (\d+)/ ? $1 : () } @res;
my @fail = map { /^fail (\d+)/ ? $1 : () } @res;
ok(@ok > 20, scalar(@ok) . ' appends acknowledged');
is(scalar @fail, 0, 'no append failed') or diag(grep { /^fail/ } @res);

my $text = api('getText', padID => $pad)->{data}{text} // '';
my @seen = $text =~ / w(\d+)/g;
is_deeply(\@seen, [ sort { $a <=> $b } (@ok, @fail) ],
          'the pad has every acknowledged append once, in order');

my $es = $cl->cli(port => $from, 'INFO', 'errorstats');
my ($tryagain) = $es =~ /errorstat_TRYAGAIN:count=(\d+)/;
note("source errorstats: $es");
ok(($tryagain // 0) > 0, 'the source answered TRYAGAIN ('
   . ($tryagain // 0) . ' times)');
my $cs = $cl->cli(port => $to, 'INFO', 'commandstats');
my ($asking) = $cs =~ /cmdstat_asking:calls=(\d+)/;
ok(($asking // 0) > 0, 'the workers sent ASKING to the importing node ('
   . ($asking // 0) . ' times)');
like($ng->log, qr/cluster: slot $slot moved to cluster node 127\.0\.0\.1:$to \(MOVED\)/,
     'and followed MOVED once the slot was the target\'s');

$ng->stop;
