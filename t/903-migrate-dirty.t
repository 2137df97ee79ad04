# pad-migrate from Etherpad's dirty database (ueberDB's dirty driver: one
# {"key","val"} JSON line per set, the last one of a key wins, a line
# without "val" removes it) and from a directory of .etherpad files
# (Etherpad's /export/etherpad): migrated, verified and served by nginx.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Etherpad;
use Test::More;

my $PM = "$Test::Pad::ROOT/build/pad-migrate";
ok(-x $PM, 'build/pad-migrate is built') or die;

my $dir = Test::Pad::tmpdir();
my $dst = Test::Pad::Redis->new;
ok($dst->start, 'redis-server starts');
my $to = 'redis://127.0.0.1:' . $dst->port;

my ($ep, $x) = Test::Pad::Etherpad->fixture(revs => 120);

# Etherpad 1.8.0's chat record: the author as userId
my $c0 = $ep->records->{'pad:mig:chat:0'};
$c0->{userId} = delete $c0->{authorId};

# an older state of the pad first, then the current records (dirty
# appends a line per set), and a removed key
open my $fh, '>', "$dir/dirty.db" or die $!;
print $fh Test::Pad::json_encode({ key => 'pad:mig', val => { head => 0 } }),
          "\n",
          Test::Pad::json_encode({ key => 'pad:gone', val => { head => 0 } }),
          "\n",
          Test::Pad::json_encode({ key => 'pad:gone' }), "\n";
close $fh;
$ep->to_dirty("$dir/dirty.db");

my $out = `$PM --from dirty:$dir/dirty.db --to $to --prefix t903: 2>&1`;
is($? >> 8, 1, 'dirty: exit 1 (the bad pad)') or diag $out;
like($out, qr/3 pads: 2 migrated, .*1 failed/, 'the removed pad is not '
     . 'there, the last line of a key wins') or diag $out;

my $rd = $dst->client;
my $chat = Test::Pad::json_decode($rd->hget('t903:{mig}:chat', 0));
is_deeply($chat, { type => 'chat', n => 0, text => 'hello from Etherpad',
                   authorId => $x->{a1}, time => $c0->{time} },
          "a 1.8 chat message (userId) as the module's record");

Test::Pad::Etherpad->check_served($dst, 't903:', $x);

# the same pad as an .etherpad file, into another prefix
mkdir "$dir/exports";
$ep->to_etherpad_file($x->{pad}, "$dir/exports/mig.etherpad");
$out = `$PM --from dir:$dir/exports --to $to --prefix t903e: 2>&1`;
is($? >> 8, 0, 'dir: exit 0') or diag $out;
like($out, qr/1 pads: 1 migrated/, 'one pad') or diag $out;
is($rd->hget('t903e:{mig}:meta', 'head'), $x->{pad}{head}, 'its head');
is($rd->hget("t903e:author:$x->{a2}", 'name'), 'Bob',
   'its authors from the file');
my $snap = Test::Pad::json_decode($rd->hget('t903e:{mig}:snap',
                                            $x->{pad}{head}));
is($snap->{text}, $x->{pad}{atext}{text}, 'the head snapshot is its atext');

# a file that is not one
open $fh, '>', "$dir/exports/broken.etherpad" or die $!;
print $fh '{"pad:x":';
close $fh;
$out = `$PM --from dir:$dir/exports --to $to --prefix t903e: 2>&1`;
is($? >> 8, 2, 'a broken file: exit 2') or diag $out;
like($out, qr/broken\.etherpad: not an \.etherpad file/, '... named');
$rd->quit;
