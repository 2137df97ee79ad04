# Unit tests of Redis Cluster's pure facts (src/cluster/: CRC16, hash
# tags, pads' cluster keys, CLUSTER SLOTS parsing, MOVED/ASK).
use strict;
use warnings;
use FindBin;
my $bin = "$FindBin::Bin/../build/unit/cluster_test";
exec $bin or die "cannot run $bin (make unit): $!\n";
