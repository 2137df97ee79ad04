# Unit tests of a pad's HTML and text (src/html/: Etherpad's ExportHtml,
# ExportTxt and setHTML's import), golden vectors from Etherpad's tests,
# then a smoke run of the import's libFuzzer target (HTML_FUZZ_SECONDS).
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);

my $root = "$FindBin::Bin/..";
my $bin = "$root/build/unit/html_test";
my $fuzz = "$root/build/fuzz/html_import";
my $secs = $ENV{HTML_FUZZ_SECONDS} || 5;

die "cannot run $bin (make unit)\n" unless -x $bin;

# the unit test's TAP, then one test of our own
my @out = `$bin`;
my $rc = $? >> 8;
my ($n) = map { /^1\.\.(\d+)/ ? $1 : () } @out;
print grep { !/^1\.\.\d+/ } @out;
$n //= 0;
$n++;

my $tmp = tempdir(CLEANUP => 1);
mkdir "$tmp/corpus";
my $cmd = "$fuzz -max_total_time=$secs -max_len=4096 "
        . "-artifact_prefix=$tmp/ $tmp/corpus $root/fuzz/corpus/html_import "
        . "2>&1";
my $f = -x $fuzz ? `$cmd` : '';
my $frc = -x $fuzz ? $? >> 8 : -1;
my $runs = $f =~ /Done (\d+) runs/ ? $1 : 0;

if ($frc == 0 && $runs > 0) {
    print "ok $n - html_import fuzz: $runs runs, no crash, leak or UB\n";
} else {
    print "not ok $n - html_import fuzz: exit $frc after $runs runs\n";
    print map { "# $_\n" } grep { /ERROR|SUMMARY|html fuzz|runtime/ }
        split /\n/, $f;
}

print "1..$n\n";
exit($rc || $frc ? 1 : 0);
