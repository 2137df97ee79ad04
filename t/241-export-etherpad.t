# GET /p/<pad>[/<rev>]/export/etherpad: the whole pad as Etherpad's
# .etherpad file (ExportEtherpad.getPadRaw), every record passing the
# checks a stock Etherpad 2.x makes on import (t/js/etherpad/check.js with
# Etherpad's Changeset.js): revisions with key revisions' AText, chat,
# authors, saved revisions, public status; the read-only id's file; 404,
# 403 as the other exports; a pad of thousands of revisions streamed in
# batches of 100 (debug log) while the worker's memory stays small.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert b36);
use Test::More;
use Time::HiRes qw(sleep);

my $root = "$FindBin::Bin/..";
my $oracle = $ENV{EASYSYNC_ORACLE_DIR}
    || "$root/build/oracle/package/static/js";
plan skip_all => "Easysync oracle missing in $oracle (make deps)"
    unless -f "$oracle/Changeset.js";

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $dir = Test::Pad::tmpdir();
open my $fh, '>', "$dir/key" or die $!;
print $fh 'k241';
close $fh;

my $ng = engine_nginx(redis_port => $redis->port, log_level => 'debug',
    http   => "pad_api_key_file $dir/key;\npad_redis_prefix t241:;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die;

sub esc { my $s = $_[0] // 'k241'; utf8::encode($s) if utf8::is_utf8($s);
          $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge; $s }
sub api {
    my ($fn, %p) = @_;
    my $r = http_post($ng, "/api/1.3.0/$fn",
        join('&', map { "$_=" . esc($p{$_}) } 'apikey', sort keys %p),
        headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ]);
    return Test::Pad::json_decode($r->{body});
}

# the file through Etherpad's import checks
sub check_file {
    my ($body) = @_;
    my $f = "$dir/file.etherpad";
    open my $o, '>:raw', $f or die $!;
    print $o $body;
    close $o;
    my ($rc, $out, $err) = Test::Pad::node_run(
        "$root/t/js/etherpad/check.js", args => [ $f ], timeout => 120,
        env => { EASYSYNC_ORACLE_DIR => $oracle });
    my ($line) = grep { /^\{/ } split /\n/, $out // '';
    return Test::Pad::json_decode($line // '') || { ok => 0,
        errors => [ "rc=$rc $out $err" ] };
}

# --- a pad with two authors, styles, chat, a saved revision -------------

my $c = pad_joined($ng, 'ep1', 't.' . 'e' x 20);
ok($c, 'a client joins ep1') or die;
is(pad_insert($c, "typed by a client \x{1F600}\n"), 'accepted', 'it types');

my $ann = api('createAuthor', name => 'Ann "the" author')->{data}{authorID};
ok($ann, 'an author named Ann');
is(api('appendText', padID => 'ep1', text => "from the API\n",
       authorId => $ann)->{code}, 0, 'Ann appends');
is(api('setHTML', padID => 'ep1',
       html => '<p>Hello <b>bold</b></p><ul><li>one</li></ul>')->{code}, 0,
   'setHTML: attributes in the pool');
is(api('appendChatMessage', padID => 'ep1', text => "hi\n\"there\"",
       authorID => $ann, time => 1700000000000)->{code}, 0, 'a chat message');
is(api('appendChatMessage', padID => 'ep1', text => 'second',
       authorID => $ann)->{code}, 0, 'another');
is(api('saveRevision', padID => 'ep1', rev => 1)->{code}, 0,
   'revision 1 saved');
my $head = api('getRevisionsCount', padID => 'ep1')->{data}{revisions};
my $text = api('getText', padID => 'ep1')->{data}{text};

my $res = http_get($ng, '/p/ep1/export/etherpad');
is($res->{status}, 200, 'export/etherpad: 200');
like($res->{headers}{'content-type'} // '', qr{^application/json},
     '... JSON');
is($res->{headers}{'content-disposition'},
   'attachment; filename="ep1.etherpad"', '... an attachment ep1.etherpad');
my $j = check_file($res->{body});
ok($j->{ok}, 'the file passes the checks of Etherpad\'s import')
    or diag(explain $j->{errors});
is($j->{padId}, 'ep1', '... every record of pad ep1');
is($j->{head}, $head, '... head as getRevisionsCount');
is($j->{revs}, $head + 1, '... every revision');
is($j->{chatHead}, 1, '... chatHead 1');
is($j->{chats}, 2, '... both chat messages');
is($j->{saved}, 1, '... the saved revision');
ok($j->{publicStatus} == 0, '... not public');
ok((grep { $_ eq $ann } @{ $j->{authors} || [] }), '... Ann among authors');
my $all = Test::Pad::json_decode($res->{body});
is($all->{"globalAuthor:$ann"}{name}, 'Ann "the" author',
   '... her globalAuthor record has her name');
is($all->{"globalAuthor:$ann"}{padIDs}, 'ep1', '... padIDs the pad id');
is_deeply($j->{noRecord}, [], '... a globalAuthor record for every author');
is($all->{'pad:ep1:chat:0'}{text}, "hi\n\"there\"", 'chat text kept');
is($all->{'pad:ep1:chat:0'}{time}, 1700000000000, '... its time a number');
like($all->{'pad:ep1'}{atext}{text}, qr/^Hello bold\n\*one\n/,
     'the pad record\'s AText is the stored text');
is($all->{'pad:ep1'}{atext}{text}, $j->{text},
   '... and the revisions\' result');
ok(!exists $all->{'pad:ep1'}{id}, 'no id field (Pad.toJSON)');

$res = http_get($ng, '/p/ep1/1/export/etherpad');
is($res->{status}, 200, 'with a revision: 200');
$j = check_file($res->{body});
is($j->{head}, $head, '... the whole pad, as Etherpad (no cut history)');

# --- the read-only id's file ----------------------------------------------

my $ro = api('getReadOnlyID', padID => 'ep1')->{data}{readOnlyID};
$res = http_get($ng, "/p/$ro/export/etherpad");
is($res->{status}, 200, 'by the read-only id: 200');
is($res->{headers}{'content-disposition'},
   "attachment; filename=\"$ro.etherpad\"", '... named by it');
$j = check_file($res->{body});
ok($j->{ok}, '... importable') or diag(explain $j->{errors});
is($j->{padId}, $ro, '... every record under the read-only id');
unlike($res->{body}, qr/"pad:ep1/, '... the pad id nowhere as a key');

# --- errors as the other exports ----------------------------------------

$res = http_get($ng, '/p/nosuchpad/export/etherpad');
is($res->{status}, 404, 'unknown pad: 404');
ok(!$res->{headers}{'content-disposition'}, '... not an attachment');
$res = http_get($ng, '/p/r.0123456789abcdef0123456789abcdef/export/etherpad');
is($res->{status}, 403, 'read-only id of no pad: 403');
my $g = api('createGroup')->{data}{groupID};
is(api('createGroupPad', groupID => $g, padName => 'gp')->{code}, 0,
   'a group pad');
$res = http_get($ng, "/p/$g\$gp/export/etherpad");
is($res->{status}, 403, 'group pad without a session: 403');
is($res->{body}, "403 - Can't touch this", '... Etherpad\'s answer');
$res = http_get($ng, "/p/${g}\$nosuch/export/etherpad");
is($res->{status}, 403, 'missing group pad: 403 too (no existence leak)');

# --- thousands of revisions: streamed ---------------------------------

# written as the pad engine writes them (append.lua), one line growing
my $n = 2500;
my $chunk = 'x' x 400;
my $r = $redis->client;
open my $lf, '<', "$root/ngx_pad_module/store/scripts/append.lua" or die $!;
my $append = $r->script_load(do { local $/; <$lf> });
close $lf;
sub k { "t241:{big}:$_[0]" }
my $len = 1;
my $bad = 0;
for my $base (-1 .. $n - 1) {
    my $cs = 'Z:' . b36($len) . '>' . b36(400)
           . ($len > 1 ? '=' . b36($len - 1) : '') . '*0+' . b36(400)
           . '$' . $chunk;
    my @pool = $base < 0 ? ('["author","' . $ann . '"]') : ();
    my ($ok) = $r->evalsha($append, 3, k('meta'), k('revs'), k('pool'),
                           $base, k('ch'), $base < 0 ? 0 : 1, scalar @pool,
                           @pool, $cs, $ann);
    $bad++ unless $ok && $ok == 1;
    $len += 400;
}
is($bad, 0, ($n + 1) . ' revisions appended');

my ($worker) = $ng->worker_pids;
sub hwm { my ($v) = `grep VmHWM /proc/$worker/status` =~ /(\d+)/; $v }
# warm up: the worker's buffers for one export
http_get($ng, '/p/ep1/export/etherpad');
my $before = hwm();
my $mark = $ng->log_mark;
$res = http_get($ng, '/p/big/export/etherpad', timeout => 120);
my $after = hwm();
is($res->{status}, 200, 'big: 200');
my $size = length $res->{body};
ok($size > 10_000_000, "big: the file is $size bytes");
ok($after - $before < 8_000, 'the worker\'s peak RSS grew by '
   . ($after - $before) . ' kB, far below the file\'s size');
my @batches = $ng->log_since($mark) =~ /batch of (\d+) revisions/g;
is(scalar @batches, int(($n + 1 + 99) / 100), 'revisions read in batches');
ok(!(grep { $_ > 100 } @batches), '... of 100 at most');
$j = check_file($res->{body});
ok($j->{ok}, 'big: importable') or diag(explain $j->{errors});
is($j->{revs}, $n + 1, "big: all $n revisions and the first");
is($j->{keyRevs}, int($n / 100) + 1, '... key revisions with their AText');

# --- a client that does not read: the worker waits, holds one batch ------

use IO::Socket::INET;
sub raw_get {
    my ($uri) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $ng->port,
                                  Proto => 'tcp') or die $!;
    setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), 65536);
    print $s "GET $uri HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    return $s;
}
my $s = raw_get('/p/big/export/etherpad');
sleep 1;
my $stalled = hwm();
ok($stalled - $before < 8_000, 'a client that reads nothing: the worker '
   . 'waits (peak RSS +' . ($stalled - $before) . ' kB)');
my $got = '';
while (sysread($s, my $buf, 1 << 20)) { $got .= $buf }
close $s;
my ($rest) = $got =~ /\r\n\r\n(.*)$/s;
my $b = '';
while ($rest =~ s/^([0-9a-f]+)\r\n//) {
    my $l = hex $1;
    last if $l == 0;
    $b .= substr($rest, 0, $l, '');
    $rest =~ s/^\r\n//;
}
is(length $b, $size, '... then gets the whole file when it reads');

# --- a client that goes away in the middle ------------------------------

$s = raw_get('/p/big/export/etherpad');
sysread($s, my $buf, 4096);
close $s;
sleep 0.5;
is(http_get($ng, '/p/ep1/export/etherpad')->{status}, 200,
   'a client closing in the middle: the next export works');

# --- Redis lost in the middle: a truncated file, never a complete one ---

$mark = $ng->log_mark;
$s = raw_get('/p/big/export/etherpad');
sysread($s, $buf, 4096);
$redis->stop;
$got = $buf;
while (sysread($s, $buf, 1 << 20)) { $got .= $buf }
close $s;
unlike($got, qr/\r\n0\r\n\r\n$/, 'Redis stopped while exporting: the body '
       . 'does not end');
like($ng->log_since($mark), qr/export cut short/, '... logged as cut short');
ok($redis->start, 'redis starts again');
ok(Test::Pad::wait_until(sub {
       http_get($ng, '/p/ep1/export/etherpad')->{status} == 200 }, 10),
   '... and exports work again');

is($ng->log_count(qr/\[(alert|crit|emerg)\]/), 0, 'no alert');
