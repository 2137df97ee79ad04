# The HTTP API under random input (TEST_PAD_SEED, TEST_PAD_ROUNDS): random
# paths, versions, functions, parameters (long, empty, repeated, percent
# escapes, invalid UTF-8, NUL), query strings and urlencoded / multipart
# bodies, with and without the key.  Every answer is Etherpad's JSON with
# a code of 0..4 and the status that goes with it; the worker never
# crashes; the pad read by every call stays as its client wrote it.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert);
use Test::More;

my $seed = $ENV{TEST_PAD_SEED} // time;
my $rounds = $ENV{TEST_PAD_ROUNDS} // 600;
srand($seed);
diag("seed $seed, $rounds rounds");

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $dir = Test::Pad::tmpdir();
my $key = 'fuzzkey0123456789';
open my $fh, '>', "$dir/APIKEY.txt" or die $!;
print $fh $key;
close $fh;

my $ng = engine_nginx(redis_port => $redis->port,
    http   => "pad_api_key_file $dir/APIKEY.txt;\npad_api_body_max 64k;\n"
            . "pad_redis_prefix t701:;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die "nginx did not start\n";

my $c = pad_joined($ng, 'fuzzpad', 't.' . 'f' x 20);
ok($c, 'a client joins') or die;
is(pad_insert($c, "fuzz\n"), 'accepted', 'it types');
my $text = "fuzz\n$c->{text}";

my @fns = qw(getText getHTML getRevisionsCount getRevisionChangeset getLastEdited
             getChatHead listAuthorsOfPad getAttributePool getReadOnlyID
             getPadID checkToken nosuch);
my @vers = (qw(1 1.1 1.2 1.2.8 1.2.10 1.3.0 2 1.2.99), '');
my @names = qw(padID rev roID apikey api_key authorization text x);

sub rnd_str {
    my $n = int(rand(4)) == 0 ? int(rand(3000)) : int(rand(12));
    my $s = '';
    for (1 .. $n) {
        my $k = int rand 10;
        $s .= $k < 5 ? chr(97 + int rand 26)
            : $k < 6 ? sprintf('%%%02X', int rand 256)
            : $k < 7 ? '%'
            : $k < 8 ? ('&', '=', '+', ';', '#', '$', ':', ' ')[int rand 8]
            : $k < 9 ? chr(int rand 256)
            : ('fuzzpad', $key, '0', '1', '-1', 'r.', "\0")[int rand 7];
    }
    return $s;
}

sub esc {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9_.~%&=+-])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

my (%codes, $bad);
for my $i (1 .. $rounds) {
    my $fn = $fns[rand @fns];
    my $v = $vers[rand @vers];
    my @p;
    push @p, [ 'apikey', $key ] if rand() < 0.7;
    push @p, [ 'padID', 'fuzzpad' ] if rand() < 0.5;
    push @p, [ $names[rand @names], rnd_str() ] for 1 .. int rand 5;
    my $q = join '&', map { esc($_->[0]) . '=' . esc($_->[1]) } @p;
    # raw bytes, except CR and LF: a line end in the request line makes
    # it an HTTP/0.9 request, answered without a status line
    ($q = rnd_str()) =~ s/([\r\n])/sprintf('%%%02X', ord $1)/ge
        if rand() < 0.15;
    my $path = rand() < 0.05 ? '/api/' . esc(rnd_str()) : "/api/$v/$fn";
    my $res;
    my $how = rand;
    if ($how < 0.6) {
        $res = http_get($ng, "$path?$q");
    } elsif ($how < 0.85) {
        $res = http_post($ng, $path, $q, headers => [
            'Content-Type' => 'application/x-www-form-urlencoded' ]);
    } else {
        my $b = 'b' . int rand 1000;
        my $body = join '', map { "--$b\r\nContent-Disposition: form-data; "
                                  . "name=\"$_->[0]\"\r\n\r\n$_->[1]\r\n" } @p;
        $body .= rand() < 0.8 ? "--$b--\r\n" : rnd_str();
        $res = http_post($ng, $path, $body, headers => [
            'Content-Type' => "multipart/form-data; boundary=$b" ]);
    }
    my $j = Test::Pad::json_decode($res->{body} // '');
    my %status = (0 => 200, 1 => 200, 2 => 500, 3 => 404, 4 => 401);
    my $ok = $j && ref $j eq 'HASH' && defined $j->{code}
             && exists $status{$j->{code}} && defined $j->{message}
             && exists $j->{data} && $res->{status} == $status{$j->{code}};
    $ok ||= $res->{status} == 413 || $res->{status} == 400
            || $res->{status} == 414;
    if (!$ok) {
        $bad++;
        diag("round $i: $path?$q -> $res->{status} "
             . substr($res->{body} // '', 0, 200)) if $bad < 5;
    }
    $codes{$j && ref $j eq 'HASH' ? $j->{code} // '?' : $res->{status}}++;
}
ok(!$bad, "every answer is well-formed with its status ($rounds calls; "
   . join(', ', map { "$_: $codes{$_}" } sort keys %codes) . ')');
ok(($codes{1} // 0) > 0 && ($codes{0} // 0) > 0 && ($codes{4} // 0) > 0,
   'codes 0, 1 and 4 were all seen');

my $r = http_get($ng, "/api/1/getText?apikey=$key&padID=fuzzpad");
is(Test::Pad::json_decode($r->{body})->{data}{text}, $text,
   'the pad is as its client wrote it');
$r = http_get($ng, "/api/1/getRevisionsCount?apikey=$key&padID=fuzzpad");
is(Test::Pad::json_decode($r->{body})->{data}{revisions}, 1,
   'and has its one revision');
unlike($ng->log, qr/\[(alert|crit|emerg)\]|signal \d+|exited on/,
       'no alert, no crash');
$c->{ws}->close;
$ng->stop;
