#!/usr/bin/perl
# The .etherpad export of a long pad (GET /p/<pad>/export/etherpad): N
# revisions (default 100,000) of C characters each written with the store's
# append script, then the export read with curl; prints the time, the
# file's size and the worker's peak RSS before and after (VmHWM).
#
#   perl bench/export-etherpad.pl [N] [C]      (make bench-export)
#
# The file's size is mostly Etherpad's key revisions: every 100th revision
# carries the whole text of its time, so it grows with N * text / 100.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Test::Pad qw(no_plan);
use Test::Pad::Engine qw(engine_nginx b36);
use Time::HiRes qw(time);

my $n = shift || 100_000;
my $chunk = 'x' x (shift || 1);
my $c = length $chunk;

my $redis = Test::Pad::Redis->new;
$redis->start or die "redis-server did not start\n";
my $ng = engine_nginx(redis_port => $redis->port, log_level => 'warn',
    http => "pad_redis_prefix b:;\n")
    or die "nginx did not start\n";

my $r = $redis->client;
open my $lf, '<', "$FindBin::Bin/../ngx_pad_module/store/scripts/append.lua"
    or die $!;
my $sha = $r->script_load(do { local $/; <$lf> });
close $lf;

my $t0 = time;
my ($len, $ok) = (1, 0);
for my $base (-1 .. $n - 2) {
    my $cs = 'Z:' . b36($len) . '>' . b36($c)
           . ($len > 1 ? '=' . b36($len - 1) : '') . '*0+' . b36($c)
           . '$' . $chunk;
    $r->evalsha($sha, 3, 'b:{long}:meta', 'b:{long}:revs', 'b:{long}:pool',
                $base, 'b:{long}:ch', $base < 0 ? (0, 1, '["author","a.b"]')
                                                : (1, 0),
                $cs, 'a.b', sub { $ok++ if $_[0] && $_[0][0] == 1 });
    $len += $c;
    $r->wait_all_responses if $base % 1000 == 998;
}
$r->wait_all_responses;
printf "%d revisions of %d characters written in %.1fs (%d stored), text "
       . "%d characters\n", $n, $c, time - $t0, $ok, $len;

my ($worker) = $ng->worker_pids;
sub hwm { my ($v) = `grep VmHWM /proc/$worker/status` =~ /(\d+)/; $v }
my $url = 'http://127.0.0.1:' . $ng->port . '/p/long/export/etherpad';
`curl -s -o /dev/null '$url/../../p1/export/etherpad'`;      # warm up
my $before = hwm();
my $out = `curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}' '$url'`;
my $after = hwm();
my ($code, $size, $secs) = split ' ', $out;
printf "export: %s, %.1f MB in %.1fs (%.1f MB/s, %.0f revisions/s); worker "
       . "peak RSS %d kB -> %d kB (+%d kB)\n", $code, $size / 1e6, $secs,
       $size / 1e6 / $secs, $n / $secs, $before, $after, $after - $before;

$ng->stop;
$redis->stop;
