# The scripts behind "Redis losing data" (docs/operators/redis.md), run through EVALSHA
# against a real redis-server as the module runs them: the data-set
# marker (epoch.lua), creation refused during the grace (create.lua), the
# comparison a worker makes (head.lua), appends refused to a copy of
# another history (append.lua with base:hist), and the write-back
# (restore.lua "tail" and "replace", only onto what the worker saw).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::More;
use Time::HiRes qw(sleep time);

my $dir = "$FindBin::Bin/../ngx_pad_module/store/scripts";
my %body;
for my $f (glob "$dir/*.lua") {
    my ($name) = $f =~ m{([^/]+)\.lua$};
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    $body{$name} = <$fh>;
}
ok(exists $body{$_}, "script $_ exists")
    for qw(epoch create head append restore load);

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $r = $redis->client;
my %sha = map { $_ => $r->script_load($body{$_}) } keys %body;

my $P = 't211:';
sub k { my ($pad, $s) = @_; "$P\{$pad\}:$s" }

sub epoch { [ $r->evalsha($sha{epoch}, 1, "${P}epoch", $_[0]) ] }

sub create {
    my ($pad, $hist, $grace) = @_;
    return [ $r->evalsha($sha{create}, 3, k($pad, 'meta'), k($pad, 'revs'),
                         "${P}epoch", k($pad, 'ch'), 'Z:1>2+2$hi', $hist,
                         $grace, 'e.created.by.c') ];
}

sub head {
    my ($pad, $mine, $hist) = @_;
    return [ $r->evalsha($sha{head}, 2, k($pad, 'meta'), k($pad, 'revs'),
                         $mine, $hist) ];
}

sub append {
    my ($pad, $base, $cs) = @_;
    return [ $r->evalsha($sha{append}, 3, k($pad, 'meta'), k($pad, 'revs'),
                         k($pad, 'pool'), $base, k($pad, 'ch'), 0, 0, $cs,
                         'a.x') ];
}

# restore(pad, seen, seen_hist, [cs, author, ts], mode, hist, head,
#         snapshot, pool_next, [absorbed pairs], [pool], [records])
sub restore {
    my ($pad, $seen, $sh, $rev, $mode, $hist, $head, $snap, $pn, $abs,
        $pool, $recs) = @_;
    my @lost = map { k($pad, "lost:$sh.$seen:$_") } qw(revs snap snapidx);
    return [ eval {
        $r->evalsha($sha{restore}, 8, map({ k($pad, $_) }
                    qw(meta revs pool snap snapidx)), @lost,
                    $seen, $sh, @$rev, $mode, $hist, $head, $snap, $pn,
                    k($pad, 'ch'), scalar(@$abs) / 2, @$abs,
                    scalar(@$pool), @$pool, @$recs)
    } ], $@;
}

# --- the marker -------------------------------------------------------------

my $e = epoch('e.first');
is($e->[0], 'e.first', 'epoch: written when missing');
cmp_ok(abs($e->[2] - $e->[1]), '<', 1000, 'epoch: created now');
is(epoch('e.second')->[0], 'e.first', 'epoch: kept when present');
$r->flushall;
is(epoch('e.third')->[0], 'e.third', 'epoch: a new one after FLUSHALL');

# --- creation and the grace -------------------------------------------------

my $res = create('p', 'h1', 60000);
is($res->[0], 2, 'create during the grace: refused');
cmp_ok($res->[1], '>', 59000, 'create: the wait left');
ok(!$r->exists(k('p', 'meta')), 'create: nothing written');
$r->flushall;
$res = create('p', 'h1', 1000);
is($res->[0], 2, 'create without a marker: refused, the marker written');
cmp_ok($res->[1], '>', 900, 'create without a marker: the grace starts');
is($r->hget("${P}epoch", 'id'), 'e.created.by.c', 'create: its marker id');
$res = create('p', 'h1', 0);
is($res->[0], 1, 'create after the grace: created');
is($res->[1], 0, 'create: revision 0');
is($r->hget(k('p', 'meta'), 'hist'), 'h1', 'create: the history id');
is_deeply(create('p', 'h2', 0), [0, 0], 'create of an existing pad: its head');

# --- append with base:hist --------------------------------------------------

is(append('p', '0:h1', 'Z:3>1=2+1$!')->[0], 1, 'append of the same history');
is_deeply(append('p', '1:h9', 'Z:4>1=3+1$?'), [3, 1, 'h1'],
          'append of another history: refused, the stored id');
is($r->hget(k('p', 'meta'), 'head'), 1, 'nothing appended');
is(append('p', '1', 'Z:4>1=3+1$?')->[0], 1, 'append without an id: unchecked');

# --- head -------------------------------------------------------------------

$res = head('p', 1, 'h1');
is($res->[0], 2, 'head: the head');
is($res->[2], 'h1', 'head: the history id');
is(json_decode($res->[3])->{rev}, 1, 'head: the record of the caller\'s head');
is(json_decode($res->[4])->{rev}, 2, 'head: the record of the stored head');
is($res->[5], -1, 'head: nothing absorbed');
is_deeply(head('none', 3, 'h1'), [-1, 0, '', '', '', -1, 0], 'head: no pad (not deleted)');
is(head('p', 7, 'h1')->[3], '', 'head: no record above the head');

# --- restore "tail" ---------------------------------------------------------

my $rec1 = json_decode($r->hget(k('p', 'revs'), 1));
my $rec3 = '{"type":"rev","rev":3,"cs":"Z:5>1=4+1$x","author":"a.x",'
         . '"ts":1,"pool":{}}';
my @seen1 = ($rec1->{cs}, $rec1->{author}, $rec1->{ts});
my ($rr, $err) = restore('p', 1, 'h1', \@seen1, 'tail', 'h1', 3, '{}', 0,
                         [], [], [$rec3]);
like($err, qr/not restored: the stored head is 2/,
     'tail: refused when the head is not the one seen');
($rr, $err) = restore('p', 2, 'h1', ['Z:x', 'a.x', 1], 'tail', 'h1', 3,
                      '{}', 0, [], [], [$rec3]);
like($err, qr/stored revision 2 differs/,
     'tail: refused when the record seen differs');
($rr, $err) = restore('p', 2, 'h9', ['', '', ''], 'tail', 'h1', 3, '{}', 0,
                      [], [], [$rec3]);
like($err, qr/not 2 of "h9"/, 'tail: refused for another history seen');
my $rec2 = json_decode($r->hget(k('p', 'revs'), 2));
my @sub;
my $sub = $redis->client;
$sub->subscribe(k('p', 'ch'), sub { push @sub, $_[0] });
($rr, $err) = restore('p', 2, 'h1', [@$rec2{qw(cs author ts)}], 'tail',
                      'h1', 3, '{"rev":3}', 0, [], [], [$rec3]);
is_deeply($rr, [3], 'tail: written') or diag $err;
is($r->hget(k('p', 'meta'), 'head'), 3, 'tail: the head');
is($r->hget(k('p', 'revs'), 3), $rec3, 'tail: the record');
is($r->hget(k('p', 'revs'), 0) ? 1 : 0, 1, 'tail: the prefix kept');
Test::Pad::wait_until(sub { $sub->wait_for_messages(0.05); @sub }, 3);
is_deeply(json_decode($sub[0] // '{}'), { type => 'reset', hist => 'h1',
                                          head => 3 },
          'tail: a reset published');

# --- restore "replace" ------------------------------------------------------

my $mine = '{"type":"rev","rev":5,"cs":"Z:1>1+1$m","author":"a.m",'
         . '"ts":2,"pool":{}}';
($rr, $err) = restore('p', 2, 'h1', ['', '', ''], 'replace', 'h7', 5,
                      '{"rev":5}', 1, ['h1', 3, 'h6', 5],
                      ['["author","a.m"]'], [$mine]);
like($err, qr/the stored head is 3/, 'replace: refused on another head');
($rr, $err) = restore('p', 3, 'h1', ['', '', ''], 'replace', 'h7', 5,
                      '{"rev":5}', 1, ['h1', 3, 'h6', 5],
                      ['["author","a.m"]'], [$mine]);
is_deeply($rr, [5], 'replace: written') or diag $err;
my %m = $r->hgetall(k('p', 'meta'));
is($m{head}, 5, 'replace: the head');
is($m{hist}, 'h7', 'replace: the new history id');
is($m{'absorbed:h1'}, 3, 'replace: the other history absorbed to 3');
is($m{'absorbed:h6'}, 5, "replace: the worker's old history absorbed to 5");
is_deeply([ sort $r->hkeys(k('p', 'revs')) ], [5],
          'replace: only the worker\'s records');
is_deeply([ sort $r->hkeys(k('p', 'lost:h1.3:revs')) ], [0, 1, 2, 3],
          'replace: the other history kept aside');
is_deeply({ $r->hgetall(k('p', 'pool')) }, { 0 => '["author","a.m"]' },
          'replace: the worker\'s pool');
is_deeply([ $r->zrange(k('p', 'snapidx'), 0, -1) ], [5],
          'replace: only the new snapshot');
is(head('p', 3, 'h1')->[5], 3, 'head: absorbed for the other history');
$res = $r->evalsha($sha{load}, 5, map({ k('p', $_) }
                   qw(meta revs pool snap snapidx)), -1, 10);
is($res->[6], 'h7', 'load: the history id');

$sub->quit;
$redis->stop;
