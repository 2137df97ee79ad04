# Real clients from npm against the pad engine (two workers), default transports
# (polling, then the WebSocket upgrade): several etherpad-cli-client
# connections append concurrently and converge to export/txt; a short
# etherpad-load-test run ends with "Load Tests PASS" and zero errors.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;
use Encode ();

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port, workers => 2)
    or die('nginx did not start' . "\n");
my $base = 'http://127.0.0.1:' . $ng->port;

is(http_get($ng, '/p/npm-cli')->{status}, 200, 'GET /p/<pad> answers 200');

my ($rc, $out, $err) = node_run("$Test::Pad::ROOT/t/js/pad/cli-append.js",
    args => [ json_encode({ url => "$base/p/npm-cli", clients => 4,
                            appends => 6, interval => 120 }) ],
    npm => [ 'etherpad-clients' ], timeout => 60);
my ($line) = grep { /^\{/ } split /\n/, $out;
my $r = $line ? json_decode($line) : undef;
ok($r, 'cli-append ran') or diag("$out\n$err");
is($r->{connected}, 4, 'four etherpad-cli-client connections');
is_deeply($r->{errors}, [], 'no client error') or diag(explain($r));
is_deeply($r->{disconnects}, [], 'no disconnect');
my @t = @{ $r->{texts} || [] };
ok(@t == 4 && !grep({ !defined $_ || $_ ne $t[0] } @t), 'texts converge');
my $n = () = ($t[0] // '') =~ /\[\d\.\d\]/g;
is($n, 24, 'every append is in the text');
is(pad_text($ng, 'npm-cli'), Encode::encode('UTF-8', $t[0] // ''),
   'export/txt is the same text');

# etherpad-load-test: 3 authors, 3 lurkers, 5 seconds on one pad
my $lt = node_modules_dir('etherpad-clients')
         . '/etherpad-load-test/app.js';
($rc, $out, $err) = node_run($lt,
    args => [ "$base/p/npm-load", '-a', 3, '-l', 3, '-d', 5 ],
    npm => [ 'etherpad-clients' ], timeout => 60);
is($rc, 0, 'etherpad-load-test exits 0') or diag("$out\n$err");
like($out, qr/Load Tests PASS/, 'Load Tests PASS');
# the final metrics are printed with util.inspect: name: { mean, count }
my %m = $out =~ /(\w+): \{\s*mean: [^,]*,\s*count: (\d+)/g;
ok(exists $m{appendSent}, 'load-test metrics') or diag($out);
is($m{error} // 0, 0, 'zero errors (error meter)');
ok(($m{appendSent} // 0) > 10, 'appends sent: ' . ($m{appendSent} // 0));
ok(($m{acceptedCommit} // 0) >= ($m{appendSent} // 0) - 5,
   'commits accepted: ' . ($m{acceptedCommit} // 0));
ok(($m{changeFromServer} // 0) > 0, 'changes from the server');
unlike($out, qr/Error|disconnect/i, 'no error or disconnect printed');
$ng->stop;
