#!/usr/bin/perl
# Requests per second of the HTTP API (pad_api) with ApacheBench (ab,
# keep-alive, C concurrent connections, N requests), one nginx worker on a
# private redis-server: getText of a pad of L characters, getRevisionsCount
# (one head.lua call), checkToken (no Redis), and appendText (one
# revision per request, every request on the same pad, so each one reads
# the pad and appends at its head) when the module has it.
#
#   perl bench/api-bench.pl [N [C [L]]]      (make bench-api)

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Test::Pad qw(no_plan);
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert);

my ($n, $conc, $len) = (shift || 20000, shift || 16, shift || 2000);

system('which ab >/dev/null 2>&1') == 0
    or die "ab is missing: apt-get install apache2-utils (make deps)\n";

my $redis = Test::Pad::Redis->new;
$redis->start or die "redis-server did not start\n";
my $dir = Test::Pad::tmpdir();
open my $fh, '>', "$dir/key" or die $!;
print $fh 'benchkey';
close $fh;

my $ng = engine_nginx(redis_port => $redis->port, log_level => 'warn',
    http   => "pad_api_key_file $dir/key;\n",
    server => "location /api { pad_api; access_log off; }\n")
    or die "nginx did not start\n";

my $c = pad_joined($ng, 'bench', 't.' . 'b' x 20) or die "no join\n";
my $line = ('x' x 79) . "\n";
for (1 .. int($len / 80)) {
    pad_insert($c, $line) eq 'accepted' or die "insert failed\n";
}

my $base = 'http://127.0.0.1:' . $ng->port . '/api/1.3.0';

sub ab {
    my ($name, $url, @post) = @_;
    my $out = `ab -q -k -c $conc -n $n @post '$url' 2>&1`;
    my ($rps) = $out =~ /Requests per second:\s+([\d.]+)/;
    my ($failed) = $out =~ /Failed requests:\s+(\d+)/;
    my ($p50) = $out =~ /^\s+50%\s+(\d+)/m;
    my ($p99) = $out =~ /^\s+99%\s+(\d+)/m;
    printf "%-20s %9s req/s  p50 %s ms  p99 %s ms  failed %s\n", $name,
           $rps // '?', $p50 // '?', $p99 // '?', $failed // '?';
}

print "ab -k -c $conc -n $n, one worker, a pad of about $len characters\n";
ab('checkToken', "$base/checkToken?apikey=benchkey");
ab('getRevisionsCount', "$base/getRevisionsCount?apikey=benchkey&padID=bench");
ab('getText', "$base/getText?apikey=benchkey&padID=bench");

my $probe = Test::Pad::http_get($ng,
    '/api/1.3.0/appendText?apikey=benchkey&padID=bench&text=a');
if ($probe->{body} =~ /"code":0/) {
    open my $pf, '>', "$dir/post" or die $!;
    print $pf 'apikey=benchkey&padID=bench&text=a';
    close $pf;
    ab('appendText (POST)', "$base/appendText", '-p', "$dir/post", '-T',
       'application/x-www-form-urlencoded');
} else {
    print "appendText           not available in this build\n";
}

$c->{ws}->close;
$ng->stop;
$redis->stop;
