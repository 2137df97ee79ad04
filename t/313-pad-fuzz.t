# Smoke run of the pad message libFuzzer target (ASan + UBSan): a few
# seconds (PAD_FUZZ_SECONDS); "make fuzz-pad" runs it longer.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);

my $bin = "$FindBin::Bin/../build/fuzz/pad_msg";
my $seeds = "$FindBin::Bin/../fuzz/corpus/pad_msg";
my $secs = $ENV{PAD_FUZZ_SECONDS} || 3;
my $tmp = tempdir(CLEANUP => 1);

print "1..1\n";
unless (-x $bin) {
    print "not ok 1 - pad_msg: $bin missing (make unit)\n";
    exit 0;
}
mkdir "$tmp/c";
my $out = `$bin -max_total_time=$secs -artifact_prefix=$tmp/ -print_final_stats=0 $tmp/c $seeds 2>&1`;
my $rc = $? >> 8;
my $runs = $out =~ /Done (\d+) runs/ ? $1 : 0;
if ($rc == 0 && $runs > 0) {
    print "ok 1 - pad_msg: $runs runs, no crash, leak or UB\n";
} else {
    print "not ok 1 - pad_msg: exit $rc after $runs runs\n";
    print map { "# $_\n" } grep { /ERROR|SUMMARY|runtime/ } split /\n/, $out;
}
