# pad-migrate of a pad with 100,000 revisions (PAD_MIGRATE_REVS) from
# Redis: verified, migrated, served; its peak memory (/usr/bin/time -v)
# stays bounded (revisions are read and written PM_BATCH at a time; the
# tool holds the AText, the pool and one batch), and is about the same as
# for a pad of a tenth of the revisions.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined);
use Test::Pad::Etherpad;
use Test::More;
use Time::HiRes qw(time);

my $PM = "$Test::Pad::ROOT/build/pad-migrate";
ok(-x $PM, 'build/pad-migrate is built') or die;
ok(-x '/usr/bin/time', '/usr/bin/time is installed') or die;

my $N = $ENV{PAD_MIGRATE_REVS} || 100_000;
my $dir = Test::Pad::tmpdir();
my $src = Test::Pad::Redis->new;
my $dst = Test::Pad::Redis->new;
ok($src->start && $dst->start, 'two redis-servers start');

# RESP commands, fed to redis-cli --pipe
sub resp {
    my (@a) = @_;
    return '*' . @a . "\r\n"
           . join('', map { '$' . length($_) . "\r\n$_\r\n" } @a);
}

sub build {
    my ($id, $n) = @_;
    open my $fh, '>:raw', "$dir/$id.resp" or die $!;
    my $ep = Test::Pad::Etherpad->new;
    $ep->{lazy} = 1;
    $ep->{sink} = sub {
        my ($k, $v) = @_;
        print $fh resp('SET', $k, Test::Pad::json_encode($v));
        print $fh resp('SADD', "ueberDB:keys:$1", $k)
            if $k =~ /^([^:]+):([^:]+)$/;
    };
    my @a = map { 'a.' . sprintf('%016d', $_) } 1 .. 20;
    $ep->author($_, name => "user $_", color => 1) for @a;
    my $p = $ep->pad($id, author => $a[0], text => "Big pad\n");
    for my $i (1 .. $n - 1) {
        my $a = $a[$i % 20];
        # the text stays small (each request carries it): an insert, then
        # its delete, and a line every 1000 revisions
        if ($i % 1000 == 0) {
            $ep->edit($p, $a, "line $i \x{e9}\n",
                      attrs => [[ 'bold', 'true' ]]);
        } elsif ($i % 2 == 0) {
            $ep->edit($p, $a, '', pos => 1, del => 2);
        } else {
            $ep->edit($p, $a, $i % 10 == 1 ? "\x{e9}\n" : 'xy', pos => 1,
                      ($i % 5 ? () : (attrs => [[ 'italic', 'true' ]])));
        }
    }
    $ep->save($p);
    close $fh;
    system("redis-cli -p @{[ $src->port ]} --pipe < $dir/$id.resp "
           . ">/dev/null") == 0 or die 'redis-cli --pipe';
    return $p;
}

my $t0 = time;
my ($big, $small);
ok(eval { $big = build('big', $N); $small = build('small', int($N / 10));
          1 }, 'the source pads are written') or die $@;
diag sprintf('source: %d + %d revisions in %.1f s', $N, int($N / 10),
             time - $t0);

my $to = 'redis://127.0.0.1:' . $dst->port;
my $from = 'redis://127.0.0.1:' . $src->port;

sub migrate_rss {
    my ($pad) = @_;
    my $cmd = "/usr/bin/time -v $PM --from $from --to $to --prefix t904: "
              . "--pad $pad 2>&1";
    my $out = `$cmd`;
    my ($rss) = $out =~ /Maximum resident set size \(kbytes\): (\d+)/;
    return ($? >> 8, $out, $rss);
}

my ($rc, $out, $rss_small) = migrate_rss('small');
is($rc, 0, 'the small pad migrates') or diag $out;
$t0 = time;
($rc, $out, my $rss) = migrate_rss('big');
my $el = time - $t0;
is($rc, 0, "the pad of $N revisions migrates") or diag $out;
like($out, qr/1 pads: 1 migrated, .*; $N revisions;/, '... every revision');
diag sprintf('%d revisions in %.1f s (%.0f/s), peak RSS %d kB (%d kB for '
             . 'a tenth)', $N, $el, $N / ($el || 1), $rss, $rss_small);
ok($rss && $rss < 40_000, "peak RSS below 40 MB ($rss kB)");
ok($rss < $rss_small + 10_000,
   'not growing with the revisions (within 10 MB of a tenth of them)');

my $rd = $dst->client;
is($rd->hlen('t904:{big}:revs'), $N, 'every revision is stored');
is($rd->zcard('t904:{big}:snapidx'), int(($N - 1) / 100) + 2,
   'a snapshot per key revision and the head');
$rd->quit;

my $ng = engine_nginx(redis_port => $dst->port,
                      http => "pad_redis_prefix t904:;\n");
ok($ng, 'nginx starts') or die;
my $c = pad_joined($ng, 'big', 't.' . 'z' x 20, timeout => 20);
ok($c, 'a client joins the big pad') or die;
is($c->{text}, $big->{atext}{text}, 'CLIENT_VARS: its text');
is($c->{rev}, $N - 1, '... at its head');
