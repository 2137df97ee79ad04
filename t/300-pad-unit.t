# Unit tests of the pad engine's pure parts (src/msg/).
use strict;
use warnings;
use FindBin;
my $bin = "$FindBin::Bin/../build/unit/pad_msg_test";
exec $bin or die "cannot run $bin (make unit): $!\n";
