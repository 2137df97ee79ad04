#!/usr/bin/perl
# Throughput of the pad store's append script (ngx_pad_module/store/scripts/append.lua)
# against a private redis-server: N appends to one pad, pipelined, each at
# the head the previous one created (as a worker that owns the pad's commit
# queue does), then N appends on N pads.  Prints appends per second.
#
#   perl bench/store-append.pl [N]          (make bench-store)

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Test::Pad ();
use Time::HiRes qw(time);

my $n = shift || 20000;

my $body = do {
    open my $f, '<', "$FindBin::Bin/../ngx_pad_module/store/scripts/append.lua" or die $!;
    local $/;
    <$f>;
};

my $redis = Test::Pad::start_redis() or die "redis-server did not start\n";
my $r = $redis->client;
my $sha = $r->script_load($body);

sub b36 {
    my ($v) = @_;
    my $s = '';
    do { $s = (0 .. 9, 'a' .. 'z')[$v % 36] . $s; $v = int($v / 36) } while $v;
    return $s;
}

sub run {
    my ($name, $pad_of) = @_;
    my ($ok, %len) = (0);
    my $t0 = time;
    for my $i (0 .. $n - 1) {
        my $pad = $pad_of->($i);
        my $len = $len{$pad} //= 1;
        my $base = $len - 2;
        my $cs = 'Z:' . b36($len) . '>1' . ($len > 1 ? '=' . b36($len - 1) : '')
               . '*0+1$x';
        $r->evalsha($sha, 3, "b:{$pad}:meta", "b:{$pad}:revs",
                    "b:{$pad}:pool", $base, "b:{$pad}:ch",
                    $base < 0 ? (0, 1, '["author","a.bench"]') : (1, 0),
                    $cs, 'a.bench',
                    sub { $ok++ if $_[0] && $_[0][0] == 1 });
        $len{$pad}++;
        $r->wait_all_responses if $i % 1000 == 999;
    }
    $r->wait_all_responses;
    my $dt = time - $t0;
    printf "%-28s %6d appends in %.2fs: %7.0f appends/s (%d stored)\n",
           $name, $n, $dt, $n / $dt, $ok;
}

run('one pad, pipelined', sub { 'one' });
run("$n pads, pipelined", sub { "p$_[0]" });

my $info = $r->info('memory');
printf "redis used_memory after %d revisions: %.1f MB\n", 2 * $n,
       $info->{used_memory} / 1048576;

$redis->stop;
