# Unit test of createDiffHTML's pure part (src/html/ngx_pad_html_diff.c):
# the committed vectors that Etherpad's padDiff.js and ExportHtml.js made
# (t/unit/html_diff_vectors.jsonl, by util/diffhtml-oracle.js --seed 1
# --cases 150), then, when node and the oracle (build/oracle/, make deps)
# are there, fresh random vectors from the oracle (DIFFHTML_SEED to replay,
# DIFFHTML_CASES), then a smoke run of the libFuzzer target
# (HTML_FUZZ_SECONDS): no crash, leak or UB.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);

my $root = "$FindBin::Bin/..";
my $bin = "$root/build/unit/html_diff_test";
my $fuzz = "$root/build/fuzz/html_diff";
my $oracle = "$root/build/oracle/package/node/utils/padDiff.js";
my $secs = $ENV{HTML_FUZZ_SECONDS} || 5;
my $n = 0;
my $fail = 0;

die "cannot run $bin (make unit)\n" unless -x $bin;

my $tmp = tempdir(CLEANUP => 1);

# one C run over a vectors file, its TAP as one test
sub vectors {
    my ($file, $what) = @_;
    my @out = `$bin $file 2>&1`;
    my $rc = $? >> 8;
    my $ok = grep { /^ok / } @out;
    my @bad = grep { /^not ok|^#|ERROR|SUMMARY/ } @out;
    $n++;
    if ($rc == 0 && $ok > 0 && !@bad) {
        print "ok $n - $what: $ok checks\n";
    } else {
        $fail = 1;
        print "not ok $n - $what: exit $rc\n";
        print map { "# $_" } @bad[0 .. ($#bad < 40 ? $#bad : 40)];
    }
}

vectors("$root/t/unit/html_diff_vectors.jsonl",
        'the committed vectors of Etherpad\'s padDiff');

$n++;
if (-f $oracle && system('node --version >/dev/null 2>&1') == 0) {
    my $seed = $ENV{DIFFHTML_SEED} || int(rand(2**31));
    my $cases = $ENV{DIFFHTML_CASES} || 300;
    print "# oracle seed $seed\n";
    my $rc = system("node $root/util/diffhtml-oracle.js --seed $seed "
                    . "--cases $cases > $tmp/v.jsonl");
    $n--;
    if ($rc == 0) {
        vectors("$tmp/v.jsonl", "fresh vectors of the oracle, seed $seed");
    } else {
        $n++;
        $fail = 1;
        print "not ok $n - the oracle failed (seed $seed)\n";
    }
} else {
    print "ok $n # skip no node or no oracle in build/oracle (make deps)\n";
}

mkdir "$tmp/corpus";
my $cmd = "$fuzz -max_total_time=$secs -max_len=1024 "
        . "-artifact_prefix=$tmp/ $tmp/corpus 2>&1";
my $f = -x $fuzz ? `$cmd` : '';
my $frc = -x $fuzz ? $? >> 8 : -1;
my $runs = $f =~ /Done (\d+) runs/ ? $1 : 0;

$n++;
if ($frc == 0 && $runs > 0) {
    print "ok $n - html_diff fuzz: $runs runs, no crash, leak or UB\n";
} else {
    $fail = 1;
    print "not ok $n - html_diff fuzz: exit $frc after $runs runs\n";
    print map { "# $_\n" } grep { /ERROR|SUMMARY|diff fuzz|runtime/ }
        split /\n/, $f;
}

print "1..$n\n";
exit($fail ? 1 : 0);
