# GET /p/<pad>/export/txt through the store: Redis down at start (503,
# logged once), pads written by the append script, snapshots (a join reads
# only what follows the latest one), thousands of revisions, a multi-MB
# reply, read-only ids, NOSCRIPT after SCRIPT FLUSH, command timeout, Redis
# restart.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(b36);
use Test::More;
use Time::HiRes qw(sleep time);

my %body;
for my $f (glob "$FindBin::Bin/../ngx_pad_module/store/scripts/*.lua") {
    my ($name) = $f =~ m{([^/]+)\.lua$};
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    $body{$name} = <$fh>;
}

my $redis = Test::Pad::Redis->new;
my $rport = $redis->port;

my $ng = start_nginx(
    workers     => 1,
    log_level   => 'info',
    http_config => "pad_redis 127.0.0.1:$rport;\n"
                 . "pad_redis_backoff_max 200ms;\n"
                 . "pad_redis_command_timeout 500ms;\n"
                 . "pad_redis_prefix t202:;\n",
    config      => 'location /p/ { pad_http; }',
);
ok($ng, 'nginx starts') or die('nginx did not start' . "\n");

# --- Redis down at start -------------------------------------------------

for (1 .. 3) {
    my $res = http_get($ng, '/p/foo/export/txt');
    is($res->{status}, 503, 'export while Redis is down: 503');
    like($res->{body}, qr/^pad storage unavailable: redis unavailable/,
         '... saying so');
}
is($ng->log_count(qr/\[error\]/), 1, 'one [error] line for the outage, not '
   . 'one per request or retry');
like($ng->log, qr/\[error\].*pad redis: cannot connect command connection/,
     'it is the connect failure');

ok($redis->start, 'redis starts');
ok($ng->wait_log(qr/pub\/sub connection to \S+ ready/, 5), 'client ready');

my $r = $redis->client;
my %sha;

sub load_scripts { %sha = map { $_ => $r->script_load($body{$_}) } keys %body }
load_scripts();

# --- pads written as the pad engine writes them ---------------------------

sub k { "t202:{$_[0]}:$_[1]" }

sub append {
    my ($pad, $base, $cs, @pool) = @_;
    my $next = $r->hget(k($pad, 'meta'), 'pool_next') // 0;
    my @res = $r->evalsha($sha{append}, 3, k($pad, 'meta'), k($pad, 'revs'),
                          k($pad, 'pool'), $base, k($pad, 'ch'), $next,
                          scalar @pool, @pool, $cs, 'a.test');
    return $res[0];
}

# insert $text at the end of a pad of length $len (no newline in $text)
sub insert_at_end {
    my ($pad, $base, $len, $text) = @_;
    my $n = length $text;
    my $keep = $len - 1;
    my $cs = 'Z:' . b36($len) . '>' . b36($n)
           . ($keep ? '=' . b36($keep) : '') . '*0+' . b36($n) . '$' . $text;
    return append($pad, $base, $cs, $base < 0 ? '["author","a.test"]' : ());
}

is(insert_at_end('p1', -1, 1, 'hello'), 1, 'pad p1 revision 0');
is(insert_at_end('p1', 0, 6, ' world'), 1, 'pad p1 revision 1');

my $res = http_get($ng, '/p/p1/export/txt');
is($res->{status}, 200, 'export: 200');
is($res->{body}, "hello world\n", 'export: the text');
like($res->{headers}{'content-type'}, qr{^text/plain; charset=utf-8},
     'export: text/plain');

$res = http_get($ng, '/p/missing/export/txt');
is($res->{status}, 404, 'export of a pad that does not exist: 404');
$res = http_get($ng, '/p/a$b/export/txt');
is($res->{status}, 404, 'invalid pad id: 404');
like($res->{body}, qr/Such a padname is forbidden/, '... forbidden');
$res = http_get($ng, '/p/' . ('x' x 51) . '/export/txt');
is($res->{status}, 404, 'pad id of 51 characters: 404');
$res = http_get($ng, '/p/p1');
is($res->{status}, 200, 'GET /p/<pad>: 200');
$res = http_get($ng, '/p/p1/export/html');
is($res->{status}, 404, 'other exports: 404');
$res = http_post($ng, '/p/p1/export/txt', 'x');
is($res->{status}, 405, 'POST: 405');

# multi-byte text: UTF-16 lengths in the changeset
is(append('u', -1, 'Z:1>3*0+3$' . "\xc3\xa9\xf0\x9f\x98\x80",
          '["author","a.test"]'), 1, 'pad with e-acute and an emoji');
is(http_get($ng, '/p/u/export/txt')->{body}, "\xc3\xa9\xf0\x9f\x98\x80\n",
   'exported as UTF-8');

# --- snapshots: only what follows the latest one is read -------------------

my $len = 1;
my $text = '';
for my $i (0 .. 9) {
    insert_at_end('s', $i - 1, $len, "$i");
    $len++;
    $text .= $i;
}
my @snap = $r->evalsha($sha{snapshot}, 3, k('s', 'meta'), k('s', 'snap'),
                       k('s', 'snapidx'), 5,
                       '{"rev":5,"text":"012345\n","attribs":"*0+6|1+1"}');
is($snap[0], 1, 'snapshot of revision 5 stored');
# the revisions up to the snapshot are not needed any more
$r->hdel(k('s', 'revs'), $_) for 0 .. 5;
$res = http_get($ng, '/p/s/export/txt');
is($res->{body}, "$text\n", 'export = snapshot 5 + revisions 6..9');

# --- thousands of revisions: read in several replies ------------------------

my $n = 2500;
$len = 1;
$text = '';
my @pending;
for my $i (0 .. $n - 1) {
    my $c = ('a' .. 'z')[$i % 26];
    my $cs = 'Z:' . b36($len) . '>1' . ($len > 1 ? '=' . b36($len - 1) : '')
           . '*0+1$' . $c;
    $r->evalsha($sha{append}, 3, k('many', 'meta'), k('many', 'revs'),
                k('many', 'pool'), $i - 1, k('many', 'ch'), $i ? 1 : 0,
                $i ? (0) : (1, '["author","a.test"]'), $cs, 'a.test',
                sub { push @pending, $_[0] });
    $len++;
    $text .= $c;
}
$r->wait_all_responses;
is(scalar(grep { $_->[0] == 1 } @pending), $n, "$n revisions appended");
$res = http_get($ng, '/p/many/export/txt', timeout => 10);
is($res->{status}, 200, "export of $n revisions: 200");
ok($res->{body} eq "$text\n", "export of $n revisions: the text")
    or diag(length($res->{body}) . ' bytes');

# --- the text at a revision ------------------------------------------------

is(http_get($ng, '/p/p1/0/export/txt')->{body}, "hello\n",
   'export at revision 0');
is(http_get($ng, '/p/p1/1/export/txt')->{body}, "hello world\n",
   'export at revision 1 (the head)');
is(http_get($ng, '/p/p1/99/export/txt')->{body}, "hello world\n",
   'export at a revision past the head: the head');
is(http_get($ng, '/p/s/7/export/txt')->{body}, "01234567\n",
   'export at 7: snapshot 5 + revisions 6, 7');
$res = http_get($ng, '/p/many/1500/export/txt', timeout => 10);
ok($res->{body} eq substr($text, 0, 1501) . "\n",
   'export at revision 1500 of 2500');
is(http_get($ng, '/p/p1/x1/export/txt')->{status}, 404,
   'a revision that is not a number: 404');

# --- a multi-MB reply is read completely -----------------------------------

my $big = join '', map { ('a' .. 'z')[$_ % 26] } 1 .. 3_000_000;
is(append('big', -1, 'Z:1>' . b36(length $big) . '*0+' . b36(length $big)
          . '$' . $big, '["author","a.test"]'), 1, '3 MB pad stored');
$res = http_get($ng, '/p/big/export/txt', timeout => 10);
is($res->{status}, 200, '3 MB export: 200');
is(length $res->{body}, length($big) + 1, '3 MB export: complete');
ok($res->{body} eq "$big\n", '3 MB export: exact');

# --- read-only ids ---------------------------------------------------------

my $rid = 'r.0123456789abcdef0123456789abcdef';
$r->set("t202:ro:$rid", 'p1');
is(http_get($ng, "/p/$rid/export/txt")->{body}, "hello world\n",
   'export through the read-only id');
# Etherpad's checkAccess denies a read-only id of no pad (t/405)
is(http_get($ng, '/p/r.ffffffffffffffffffffffffffffffff/export/txt')->{status},
   403, 'unknown read-only id: 403, as Etherpad');

# --- NOSCRIPT after SCRIPT FLUSH -------------------------------------------

$r->script_flush;
my $mark = $ng->log_mark;
$res = http_get($ng, '/p/p1/export/txt');
is($res->{body}, "hello world\n", 'export after SCRIPT FLUSH');
is(($r->script_exists($sha{load}))[0], 1, 'the script was sent again');
is($ng->log_count(qr/\[error\]/, $mark), 0, 'no error logged');
load_scripts();

# --- command timeout --------------------------------------------------------

$mark = $ng->log_mark;
$r->client_pause(2500, 'ALL');
my $t0 = time;
$res = http_get($ng, '/p/p1/export/txt', timeout => 5);
my $took = time - $t0;
is($res->{status}, 503, 'Redis paused: 503');
like($res->{body}, qr/redis command timed out/, '... command timed out');
cmp_ok($took, '<', 2.2, "... after the 500ms timeout, not the 2.5s pause "
       . "(${took}s)");
is($ng->log_count(qr/\[error\].*command connection to \S+ lost: redis command timed out \(after 500 ms\)/,
                  $mark), 1, 'the timeout is logged once');
sleep(2.6 - $took) if $took < 2.6;
ok(wait_until(sub { http_get($ng, '/p/p1/export/txt')->{status} == 200 }, 5),
   'works again after the pause');

# --- Redis restart ----------------------------------------------------------

$mark = $ng->log_mark;
$redis->stop;
ok($ng->wait_log(qr/command connection to \S+ lost/, 5, $mark),
   'loss noticed');
is(http_get($ng, '/p/p1/export/txt')->{status}, 503, 'Redis stopped: 503');
ok($redis->start, 'redis restarts (empty)');
$r = $redis->client;
load_scripts();
ok(wait_until(sub { http_get($ng, '/p/p1/export/txt')->{status} == 404 }, 5),
   'reconnected: the pad is gone with the data');
insert_at_end('p1', -1, 1, 'again');
$r->script_flush;
is(http_get($ng, '/p/p1/export/txt')->{body}, "again\n",
   'new pad exported');
is($ng->log_count(qr/\[error\]/, $mark), 2,
   'two [error] lines: command and pub/sub connection lost');

ok($ng->stop, 'nginx stops');
$redis->stop;
