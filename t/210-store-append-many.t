# append.lua with k > 1 revisions (group commit): all on base h in one
# atomic step, refused as a whole when the head is not h (with the missing
# records), pool entries of the first revision, one published record per
# revision.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::More;
use Time::HiRes qw(sleep time);

my %body;
for my $name (qw(append)) {
    open my $fh, '<', "$FindBin::Bin/../ngx_pad_module/store/scripts/$name.lua"
        or die "$name: $!";
    local $/;
    $body{$name} = <$fh>;
}

my $redis = start_redis() or die "redis-server did not start\n";
my $r = $redis->client;
my %sha = map { $_ => $r->script_load($body{$_}) } keys %body;

my $P = "t210$$:";
sub k { my ($pad, $s) = @_; "$P\{$pad\}:$s" }

sub append {
    my ($pad, $base, $cs, $author, $first, @pool) = @_;
    return [ $r->evalsha($sha{append}, 3, map({ k($pad, $_) } qw(meta revs pool)),
                         $base, k($pad, 'ch'), $first, scalar @pool, @pool,
                         $cs, $author) ];
}

sub append_many {
    my ($pad, $base, $first, $pool, @revs) = @_;
    return [ $r->evalsha($sha{append}, 3,
                         map({ k($pad, $_) } qw(meta revs pool)),
                         $base, k($pad, 'ch'), $first, scalar @$pool, @$pool,
                         @revs) ];
}

my $sub = $redis->client;
my @published;
$sub->subscribe(k('a', 'ch'), sub { push @published, $_[0] });

my $res = append('a', -1, 'Z:1>5*0+5$hello', 'a.one', 0, '["author","a.one"]');
is($res->[0], 1, 'revision 0 by append');

# two revisions on head 0, the first adds pool entry 1
$res = append_many('a', 0, 1, ['["author","a.two"]'],
                   'Z:6>1=5*1+1$!', 'a.two', 'Z:7>1=6*0+1$?', 'a.one');
is_deeply([@$res[0, 1]], [1, 1], 'stored from revision 1');
is(scalar @$res, 5, 'two records returned');
my @rec = map { Test::Pad::json_decode($_) } @$res[3, 4];
is_deeply([map { $_->{rev} } @rec], [1, 2], 'records of revisions 1 and 2');
is_deeply($rec[0]{pool}, { 1 => ['author', 'a.two'] },
          'the first carries the new pool entry');
is_deeply($rec[1]{pool}, {}, 'the second none');
is($rec[1]{cs}, 'Z:7>1=6*0+1$?', 'changeset of revision 2');
is($r->hget(k('a', 'revs'), $_), $res->[2 + $_], "revision $_ stored")
    for 1, 2;
is($r->hget(k('a', 'meta'), 'head'), 2, 'head 2');
is($r->hget(k('a', 'meta'), 'pool_next'), 2, 'pool_next 2');
is($r->hget(k('a', 'pool'), 1), '["author","a.two"]', 'pool entry 1');

my $t0 = time;
$sub->wait_for_messages(0.05) while @published < 3 && time - $t0 < 3;
is(scalar @published, 3, 'three revisions published');
is_deeply([@published[1, 2]], [@$res[3, 4]],
          'revisions 1 and 2 published, in order, as stored');

# a stale base: nothing written, the missing records returned
$res = append_many('a', 1, 2, [], 'Z:7>1=6+1$x', 'a.one', 'Z:8>1=7+1$y',
                   'a.one');
is_deeply($res, [0, 2, $r->hget(k('a', 'revs'), 2)],
          'stale base 1: conflict, head 2, with revision 2');
is($r->hget(k('a', 'meta'), 'head'), 2, 'head unchanged');
is($r->hlen(k('a', 'revs')), 3, 'no revision written');

# a pool that moved: refused as a whole
eval { append_many('a', 2, 1, ['["bold","true"]'], 'Z:8>1=7*2+1$z', 'a.one') };
like($@, qr/pool out of date/, 'pool_next mismatch is an error');
is($r->hget(k('a', 'meta'), 'head'), 2, 'head still 2');

$sub->wait_for_messages(0.2);
is(scalar @published, 3, 'only stored revisions were published');
