# Smoke run of the transport libFuzzer targets (ASan + UBSan): a few
# seconds each (TRANSPORT_FUZZ_SECONDS); "make fuzz-transport" runs longer.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);

my $dir = "$FindBin::Bin/../build/fuzz";
my @targets = qw(ws_frame eio form);
my $secs = $ENV{TRANSPORT_FUZZ_SECONDS} || 3;
my $tmp = tempdir(CLEANUP => 1);

print "1..", scalar(@targets), "\n";

my $n = 0;
for my $t (@targets) {
    $n++;
    my $bin = "$dir/transport_$t";
    unless (-x $bin) {
        print "not ok $n - transport_$t: $bin missing (make unit)\n";
        next;
    }
    mkdir "$tmp/$t";
    my $out = `$bin -max_total_time=$secs -artifact_prefix=$tmp/ -print_final_stats=0 $tmp/$t 2>&1`;
    my $rc = $? >> 8;
    my $runs = $out =~ /Done (\d+) runs/ ? $1 : 0;
    my $seed = $out =~ /Seed: (\d+)/ ? $1 : '?';
    if ($rc == 0 && $runs > 0) {
        print "ok $n - transport_$t: $runs runs (seed $seed), no crash, "
            . "leak or UB\n";
    } else {
        print "not ok $n - transport_$t: exit $rc after $runs runs "
            . "(seed $seed)\n";
        print map { "# $_\n" } grep { /ERROR|SUMMARY|runtime|abort/ }
            split /\n/, $out;
    }
}
