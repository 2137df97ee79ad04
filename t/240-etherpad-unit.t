# Unit tests of the .etherpad writer (src/etherpad/, ExportEtherpad's
# records, JSON.stringify's escaping, bounded buffer).
use strict;
use warnings;
use FindBin;
my $bin = "$FindBin::Bin/../build/unit/etherpad_test";
exec $bin or die "cannot run $bin (make unit): $!\n";
