# Unit tests of the access decision (src/access/, Etherpad's checkAccess).
use strict;
use warnings;
use FindBin;
my $bin = "$FindBin::Bin/../build/unit/access_test";
exec $bin or die "cannot run $bin (make unit): $!\n";
