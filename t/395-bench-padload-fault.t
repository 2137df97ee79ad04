# The load generator's own checks must be able to fail.  build/padload
# keeps one text per process and pad and has each client compare the
# changesets it received with that record (bench/padload.c); a deliberate
# fault (--fault) must end up counted: a client that got another changeset
# for one revision (cs), a client that missed one (gap), a writer whose
# commit gives another text (rebase), a wrong export/txt (export), in the
# shared mode and (gap, export) with --own-texts (every
# client applies every revision itself).  Without a fault every count is
# 0, and both modes agree.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT padload);

my $padload = "$Test::Pad::ROOT/build/padload";
plan skip_all => 'build/padload not built' unless -x $padload;

my $redis = start_redis() or BAIL_OUT('redis-server did not start');
my $ng = engine_nginx(redis_port => $redis->port, workers => 1)
    or BAIL_OUT('nginx did not start');

my $seq = 0;

sub run_padload {
    my (@args) = @_;
    $seq++;
    my ($r, $out) = padload($ng, "--procs 2 --duration 0.8 --warmup 0.2"
        . " --join-max 30 --drain-max 10 --pads 1 --writers 2"
        . " --readers 8 --prefix t395r${seq}x$$ @args");
    diag($out) unless $r;
    return $r || {};
}

for my $mode ('', '--own-texts') {
    my $name = $mode || 'shared';

    my $r = run_padload($mode);
    ok($r->{commits} > 0 && $r->{delivered} > 0,
       "$name, no fault: traffic ($r->{commits} commits)");
    is($r->{checked}, 10, "$name, no fault: every client checked");
    is(join('/', map { $r->{$_} // '?' }
                qw(errors gaps dups mismatches unverified)),
       '0/0/0/0/0', "$name, no fault: no error, gap, duplicate, mismatch, "
       . "unverified revision");

    $r = run_padload($mode, '--fault', 'gap');
    is($r->{gaps}, 1, "$name, one revision missed: one gap");
    is($r->{mismatches}, 1, "$name, one revision missed: one mismatch");

    $r = run_padload($mode, '--fault', 'export');
    ok($r->{mismatches} >= 1,
       "$name, wrong export/txt: mismatches ($r->{mismatches})");
}

my $r = run_padload('--fault', 'cs');
is($r->{mismatches}, 1, 'shared, another changeset for one revision: '
   . 'one mismatch');
is($r->{gaps} + $r->{errors}, 0, 'shared, another changeset: no gap, error');

# a writer whose rebased commit gives another text than the changeset the
# others received: the writer, or (if its text was the pad's first) every
# client of that pad in its process
$r = run_padload('--fault', 'rebase');
ok($r->{mismatches} >= 1,
   "shared, a writer's commit differs: mismatches ($r->{mismatches})");

my $out = `$padload --port @{[ $ng->port ]} --fault bogus 2>&1`;
ok($? != 0 && $out !~ /^\{/m, 'an unknown fault is refused');
