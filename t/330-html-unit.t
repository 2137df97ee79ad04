# Unit tests of a pad's HTML and text (src/html/: Etherpad's ExportHtml,
# ExportTxt and setHTML's import), golden vectors from Etherpad's tests.
use strict;
use warnings;
use FindBin;
my $bin = "$FindBin::Bin/../build/unit/html_test";
exec $bin or die "cannot run $bin (make unit): $!\n";
