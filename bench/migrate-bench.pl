#!/usr/bin/perl
# Migration rate of build/pad-migrate: a generated Etherpad database of
# PADS pads x REVS revisions (default 1,000 x 1,000; Etherpad's records
# with real changesets, t/lib/Test/Pad/Etherpad.pm) in a private Redis
# (ueberDB's layout), migrated into another; prints revisions per second
# and the tool's peak RSS as one JSON line.
#
#   perl bench/migrate-bench.pl [PADS [REVS]]      (make bench-migrate)

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Test::Pad ();
use Test::Pad::Etherpad;
use Time::HiRes qw(time);

my $pads = shift || 1000;
my $revs = shift || 1000;
my $root = "$FindBin::Bin/..";
my $dir = Test::Pad::tmpdir();

my $src = Test::Pad::start_redis() or die "redis-server did not start\n";
my $dst = Test::Pad::start_redis() or die "redis-server did not start\n";

sub resp {
    my (@a) = @_;
    return '*' . @a . "\r\n"
           . join('', map { '$' . length($_) . "\r\n$_\r\n" } @a);
}

my $t0 = time;
open my $fh, '>:raw', "$dir/src.resp" or die $!;
my $ep = Test::Pad::Etherpad->new;
$ep->{lazy} = 1;
$ep->{sink} = sub {
    my ($k, $v) = @_;
    print $fh resp('SET', $k, Test::Pad::json_encode($v));
    print $fh resp('SADD', "ueberDB:keys:$1", $k)
        if $k =~ /^([^:]+):([^:]+)$/;
};
my @a = map { 'a.' . sprintf('%016d', $_) } 1 .. 10;
$ep->author($_, name => "user $_", color => 1) for @a;
for my $n (1 .. $pads) {
    my $p = $ep->pad("bench$n", author => $a[0], text => "Pad $n\n");
    for my $i (1 .. $revs - 1) {
        my $au = $a[$i % 10];
        if ($i % 2 == 0) {
            $ep->edit($p, $au, '', pos => 1, del => 2);
        } else {
            $ep->edit($p, $au, $i % 50 == 1 ? "\x{e9}\n" : 'xy', pos => 1,
                      ($i % 5 ? () : (attrs => [[ 'bold', 'true' ]])));
        }
    }
    $ep->save($p);
    delete $ep->{pads}{"bench$n"};
}
close $fh;
system("redis-cli -p @{[ $src->port ]} --pipe < $dir/src.resp >/dev/null")
    == 0 or die "redis-cli --pipe failed\n";
my $gen = time - $t0;

$t0 = time;
my $cmd = "/usr/bin/time -v $root/build/pad-migrate --no-progress "
          . '--from redis://127.0.0.1:' . $src->port
          . ' --to redis://127.0.0.1:' . $dst->port . ' 2>&1';
my $out = `$cmd`;
my $el = time - $t0;
my ($rss) = $out =~ /Maximum resident set size \(kbytes\): (\d+)/;
my ($n) = $out =~ /; (\d+) revisions;/;
die "pad-migrate failed:\n$out" if $? >> 8 or !$n;

printf "{\"pads\":%d,\"revisions\":%d,\"seconds\":%.2f,"
       . "\"revisions_per_s\":%.0f,\"peak_rss_kb\":%d,\"generate_s\":%.1f}\n",
       $pads, $n, $el, $n / ($el || 1e-9), $rss // 0, $gen;
