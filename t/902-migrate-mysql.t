# pad-migrate from Etherpad's MySQL/MariaDB database (ueberDB's mysql
# driver: the table store(key, value)): a private mariadbd on a loopback
# port (mariadb-install-db, mariadbd --skip-grant-tables), the fixture's
# rows, a migration (the bad pad reported, the rest served by nginx), a
# second run that skips all.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Etherpad;
use Test::Pad::SQL;
use Test::More;

my $PM = "$Test::Pad::ROOT/build/pad-migrate";
ok(-x $PM, 'build/pad-migrate is built') or die;

my $db = Test::Pad::SQL->mariadb;
ok($db, 'a MariaDB server starts') or die;
my $dst = Test::Pad::Redis->new;
ok($dst->start, 'redis-server starts');

my ($ep, $x) = Test::Pad::Etherpad->fixture(revs => 230);
ok($db->load($ep->rows), "ueberDB's rows are loaded");

my $from = $db->url;
my $to = 'redis://127.0.0.1:' . $dst->port;

my $out = `$PM --from '$from' --to $to --prefix t902: 2>&1`;
is($? >> 8, 1, 'exit 1: a pad failed') or diag $out;
like($out, qr/bad: FAILED: revision 100:/, 'the bad pad is reported');
like($out, qr/3 pads: 2 migrated, 0 complete before, 0 skipped .*, 1 failed;/,
     'report: pads') or diag $out;
like($out, qr/; 2 authors, 2 tokens, 2 mappers, 1 groups, 1 sessions;/,
     'report: the other records') or diag $out;

Test::Pad::Etherpad->check_served($dst, 't902:', $x);

$out = `$PM --from '$from' --to $to --prefix t902: --no-progress 2>&1`;
like($out, qr/3 pads: 0 migrated, 1 complete before, 1 skipped/,
     "a second run: complete or the module's own") or diag $out;
