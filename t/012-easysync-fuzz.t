# Smoke run of every Easysync libFuzzer target (ASan + UBSan): a few
# seconds each (EASYSYNC_FUZZ_SECONDS); "make fuzz" runs them longer.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);

my $dir = "$FindBin::Bin/../build/fuzz";
my $corpus = "$FindBin::Bin/../fuzz/corpus";
my @targets = qw(checkrep apply compose follow inverse splice pool jsonl);
my $secs = $ENV{EASYSYNC_FUZZ_SECONDS} || 3;
my $tmp = tempdir(CLEANUP => 1);

print "1..", scalar(@targets), "\n";

my $n = 0;
for my $t (@targets) {
    $n++;
    my $bin = "$dir/easysync_$t";
    unless (-x $bin) {
        print "not ok $n - easysync_$t: $bin missing (make unit)\n";
        next;
    }
    my @seeds = -d "$corpus/easysync_$t" ? ("$corpus/easysync_$t") : ();
    mkdir "$tmp/$t";
    my $cmd = "$bin -max_total_time=$secs -artifact_prefix=$tmp/ "
            . "-print_final_stats=0 $tmp/$t @seeds 2>&1";
    my $out = `$cmd`;
    my $rc = $? >> 8;
    my $runs = $out =~ /Done (\d+) runs/ ? $1 : 0;
    my $seed = $out =~ /Seed: (\d+)/ ? $1 : '?';
    if ($rc == 0 && $runs > 0) {
        print "ok $n - easysync_$t: $runs runs (seed $seed), no crash, "
            . "leak or UB\n";
    } else {
        print "not ok $n - easysync_$t: exit $rc after $runs runs "
            . "(seed $seed)\n";
        print map { "# $_\n" } grep { /ERROR|SUMMARY|easysync fuzz|runtime/ }
            split /\n/, $out;
    }
}
