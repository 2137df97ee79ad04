# Unit tests of the Easysync engine (src/easysync/): golden vectors.
use strict;
use warnings;
use FindBin;
my $bin = "$FindBin::Bin/../build/unit/easysync_test";
exec $bin or die "cannot run $bin (make unit): $!\n";
