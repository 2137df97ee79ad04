# The pad store's Lua scripts (ngx_pad_module/store/scripts/*.lua), run through
# EVALSHA against a real redis-server, as the module runs them: atomic
# append at the expected head only, pool numbering under concurrent
# writers, publish in the same script, snapshots, load, chat, getset.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::More;
use Time::HiRes qw(sleep time);
use POSIX ();

my $dir = "$FindBin::Bin/../ngx_pad_module/store/scripts";
my %body;
for my $f (glob "$dir/*.lua") {
    my ($name) = $f =~ m{([^/]+)\.lua$};
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    $body{$name} = <$fh>;
}
ok(exists $body{$_}, "script $_ exists") for qw(append snapshot load chat getset);

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $r = $redis->client;

my %sha = map { $_ => $r->script_load($body{$_}) } keys %body;

my $P = 't201:';
sub k { my ($pad, $s) = @_; "$P\{$pad\}:$s" }

sub append {
    my ($pad, $base, $cs, $author, $first, @pool) = @_;
    my @res = $r->evalsha($sha{append}, 3, k($pad, 'meta'), k($pad, 'revs'),
                          k($pad, 'pool'), $base, k($pad, 'ch'), $first,
                          scalar @pool, @pool, $cs, $author);
    return \@res;
}

sub load {
    my ($pad, $upto, $max) = @_;
    my @res = $r->evalsha($sha{load}, 5, map({ k($pad, $_) }
                          qw(meta revs pool snap snapidx)), $upto, $max);
    return \@res;
}

# --- append: creation, publish in the same script ----------------------

my $sub = $redis->client;
my @published;
$sub->subscribe(k('a', 'ch'), sub { push @published, $_[0] });

my $t0 = time * 1000;
my $res = append('a', -1, 'Z:1>5*0+5$hello', 'a.one', 0, '["author","a.one"]');
is($res->[0], 1, 'revision 0 stored');
is($res->[1], 0, 'its number is 0');
cmp_ok(abs($res->[2] - $t0), '<', 5000, 'timestamp in ms from Redis TIME');
my $rec = json_decode($res->[3]);
is_deeply($rec, { type => 'rev', rev => 0, cs => 'Z:1>5*0+5$hello',
                  author => 'a.one', ts => $res->[2],
                  pool => { 0 => ['author', 'a.one'] } },
          'record: rev, changeset, author, ts and the new pool entries');
is($r->hget(k('a', 'revs'), 0), $res->[3], 'the record is what is stored');
is($r->hget(k('a', 'meta'), 'head'), 0, 'head 0');
is($r->hget(k('a', 'meta'), 'pool_next'), 1, 'pool_next 1');
is($r->hget(k('a', 'pool'), 0), '["author","a.one"]', 'pool entry 0');

wait_until(sub { $sub->wait_for_messages(0.05); @published >= 1 }, 3);
is_deeply(\@published, [$res->[3]], 'the same record was published');

# --- append at a stale head is refused, nothing changes --------------------

$res = append('a', 0, 'Z:6>6=5*0+6$ world', 'a.one', 1);
is_deeply([@$res[0, 1]], [1, 1], 'revision 1 at head 0');
my $before = $r->hlen(k('a', 'revs'));
$res = append('a', 0, 'Z:6>1=5*0+1$!', 'a.two', 1);
is_deeply($res, [0, 1, $r->hget(k('a', 'revs'), 1)],
          'append at stale head 0: conflict, head is 1, with revision 1');
is($r->hlen(k('a', 'revs')), $before, 'no revision written');
is($r->hget(k('a', 'meta'), 'head'), 1, 'head unchanged');
$res = append('a', 5, 'Z:c>1=b*0+1$!', 'a.two', 1);
is_deeply($res, [0, 1], 'append at a future head: conflict');
$res = append('nope', 3, 'Z:1>1*0+1$x', 'a.two', 0);
is_deeply($res, [0, -1], 'append at head 3 of a pad that does not exist');
is($r->exists(k('nope', 'meta')), 0, '... creates nothing');
$sub->wait_for_messages(0.2);
is(scalar @published, 2, 'only stored revisions were published');

# --- pool entries under concurrent writers ---------------------------------

# A and B both rebased on head 1 with pool_next 1; each adds an attribute
$res = append('a', 1, 'Z:c>1=b*1+1$A', 'a.one', 1, '["bold","true"]');
is($res->[0], 1, 'writer A appends with new entry 1');
$res = append('a', 1, 'Z:c>1=b*1+1$B', 'a.two', 1, '["italic","true"]');
is_deeply($res, [0, 2, $r->hget(k('a', 'revs'), 2)],
          'writer B conflicts: its entry 1 is not assigned');
is($r->hget(k('a', 'pool'), 1), '["bold","true"]', 'entry 1 is bold');

# B catches up: revision 2 says entry 1 is bold, so italic becomes 2
my $rev2 = json_decode($r->hget(k('a', 'revs'), 2));
is_deeply($rev2->{pool}, { 1 => ['bold', 'true'] },
          'the revision carries the entries it introduced');
$res = eval { append('a', 2, 'Z:d>1=c*2+1$B', 'a.two', 1, '["italic","true"]') };
like($@, qr/pool out of date: next entry is 2, writer has 1/,
     'stale pool numbering: error reply, nothing stored');
is($r->hget(k('a', 'meta'), 'head'), 2, '... head still 2');
$res = append('a', 2, 'Z:d>1=c*2+1$B', 'a.two', 2, '["italic","true"]');
is($res->[0], 1, 'B retries with entry 2');
is_deeply([$r->hgetall(k('a', 'pool'))],
          [0 => '["author","a.one"]', 1 => '["bold","true"]',
           2 => '["italic","true"]'], 'pool: every number exactly once')
    or diag explain [$r->hgetall(k('a', 'pool'))];
eval { append('a', 3, 'Z:e>1=d*0+1$x', 'a.one', 3, '["x"]') };
like($@, qr/bad pool entry/, 'malformed pool entry refused');
is($r->hget(k('a', 'meta'), 'head'), 3, '... and nothing stored');

# --- many writers at once: contiguous revisions, no lost update ------------

my $writers = 4;
my $each = 40;
my @pids;
for my $w (1 .. $writers) {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        my $c = $redis->client;
        my $done = 0;
        while ($done < $each) {
            my ($head) = $c->hget(k('race', 'meta'), 'head') // -1;
            my $next = $c->hget(k('race', 'meta'), 'pool_next') // 0;
            my $cs = $head < 0 ? 'Z:1>1+1$x' : 'Z:1>1+1$x';
            my $res = $c->evalsha($sha{append}, 3, k('race', 'meta'),
                                  k('race', 'revs'), k('race', 'pool'),
                                  $head, k('race', 'ch'), $next, 1,
                                  "[\"w$w\",\"$done\"]", $cs, "a.w$w");
            $done++ if $res->[0] == 1;
        }
        POSIX::_exit(0);    # no destructors, no END blocks in the child
    }
    push @pids, $pid;
}
waitpid $_, 0 for @pids;
is($r->hget(k('race', 'meta'), 'head'), $writers * $each - 1,
   "$writers writers x $each appends: head is the count - 1");
is($r->hlen(k('race', 'revs')), $writers * $each, 'every revision stored');
my %nums;
my $contig = 1;
for my $n (0 .. $writers * $each - 1) {
    my $rec = json_decode($r->hget(k('race', 'revs'), $n));
    $contig = 0 unless $rec->{rev} == $n;
    my @p = keys %{ $rec->{pool} };
    $contig = 0 unless @p == 1;
    $nums{$_}++ for @p;
}
ok($contig, 'revision n is record n and carries one pool entry');
is(scalar(keys %nums), $writers * $each, 'pool numbers are all distinct');
is((sort { $b <=> $a } keys %nums)[0], $writers * $each - 1,
   'pool numbers are 0 .. count - 1');

# --- snapshots and load ----------------------------------------------------

sub snapshot {
    my ($pad, $rev, $json) = @_;
    return $r->evalsha($sha{snapshot}, 3, k($pad, 'meta'), k($pad, 'snap'),
                       k($pad, 'snapidx'), $rev, $json);
}

eval { snapshot('a', 4, '{"rev":4}') };
like($@, qr/snapshot of revision 4 but head is 3/, 'no snapshot past head');
is(snapshot('a', 2, '{"rev":2,"text":"hello worldA\n","attribs":""}'), 1,
   'snapshot of revision 2 stored');
is(snapshot('a', 2, '{"rev":2,"text":"other"}'), 0,
   'a second snapshot of 2 is ignored');
is($r->hget(k('a', 'meta'), 'snap'), 2, 'meta snap = 2');

$res = load('a', -1, 1000);
is($res->[0], 3, 'load: head 3');
is($res->[1], -1, 'load: no chat');
is($res->[2], 2, 'load: snapshot 2');
like($res->[3], qr/"text":"hello worldA\\n"/, 'load: the snapshot');
is_deeply(json_decode($res->[4]),
          { numToAttrib => { 0 => ['author', 'a.one'], 1 => ['bold', 'true'],
                             2 => ['italic', 'true'] }, nextNum => 3 },
          'load: the whole pool');
is($res->[5], 3, 'load: revisions from 3');
is($res->[6], '', 'load: no history id (appended without create.lua)');
is(scalar(@$res), 8, 'load: one revision after the snapshot');
is(json_decode($res->[7])->{rev}, 3, 'load: revision 3');

$res = load('a', 1, 1000);
is_deeply([@$res[0, 2, 3, 5]], [3, -1, '', 0],
          'load upto 1: no snapshot at or below 1, revisions from 0');
is(scalar(@$res), 9, 'load upto 1: revisions 0 and 1');

$res = load('race', -1, 50);
is_deeply([@$res[2, 5]], [-1, 0], 'load with max 50: from 0');
is(scalar(@$res) - 7, 50, 'load with max 50: 50 records');

is_deeply(load('nope', -1, 10), [-1], 'load of a missing pad: {-1}');

# --- chat ------------------------------------------------------------------

my @chat;
$sub->subscribe(k('c', 'ch'), sub { push @chat, $_[0] });
for my $i (0 .. 2) {
    $res = $r->evalsha($sha{chat}, 2, k('c', 'meta'), k('c', 'chat'),
                       "hi \"$i\" \xc3\xa9", 'a.one', k('c', 'ch'));
    is($res->[0], $i, "chat message $i numbered $i");
}
$rec = json_decode($res->[2]);
is_deeply([@$rec{qw(type n authorId time)}], ['chat', 2, 'a.one', $res->[1]],
          'chat record');
is($r->hget(k('c', 'meta'), 'chat_next'), 3, 'chat_next 3');
wait_until(sub { $sub->wait_for_messages(0.05); @chat >= 3 }, 3);
is(scalar @chat, 3, 'chat messages published');
is($chat[2], substr($res->[2], 0, -1) . ',"userName":null}',
   'the stored record was published, with userName');
$res = $r->evalsha($sha{chat}, 2, k('c', 'meta'), k('c', 'chat'), 'api',
                   'a.two', k('c', 'ch'), '1700000000000', 'Ann');
is_deeply([$res->[0], $res->[1]], [3, 0], 'chat with a given time: 3, ts 0');
is($r->hget(k('c', 'chat'), 3), '{"type":"chat","n":3,"text":"api",'
   . '"authorId":"a.two","time":"1700000000000"}',
   '... stored with the time as the string given, without the name');
wait_until(sub { $sub->wait_for_messages(0.05); @chat >= 4 }, 3);
is(json_decode($chat[3] // '{}')->{userName}, 'Ann',
   '... published with the sender\'s name');
is(json_decode($chat[0])->{text}, "hi \"0\" \x{e9}", 'text round trip');

# --- getset ----------------------------------------------------------------

$res = $r->evalsha($sha{getset}, 1, "${P}token:t.x", 'a.first');
is_deeply($res, ['a.first', 1], 'getset: set when absent');
$res = $r->evalsha($sha{getset}, 1, "${P}token:t.x", 'a.second');
is_deeply($res, ['a.first', 0], 'getset: the first value stays');

# --- every key of a pad carries the pad's hash tag -------------------------

my @keys = $r->keys("$P*");
my @pad_keys = grep { !/^\Q$P\E(token|ro|author):/ } @keys;
ok(@pad_keys >= 10, 'pad keys exist');
is(scalar(grep { !/^\Q$P\E\{[^}]+\}:[a-z]+$/ } @pad_keys), 0,
   'each is P{pad}:name') or diag "@pad_keys";

# --- NOSCRIPT after SCRIPT FLUSH (the module then sends EVAL) --------------

$r->script_flush;
eval { append('a', 3, 'Z:e>1=d*0+1$x', 'a.one', 3) };
like($@, qr/NOSCRIPT/, 'EVALSHA after SCRIPT FLUSH: NOSCRIPT');

$sub->quit;
$redis->stop;
