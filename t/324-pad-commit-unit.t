# Unit tests of a commit's preparation (src/commit/: validate, stamp and
# pool, rebase, apply and check, as Etherpad's handleUserChanges).
use strict;
use warnings;
use FindBin;
my $bin = "$FindBin::Bin/../build/unit/commit_test";
exec $bin or die "cannot run $bin (make unit): $!\n";
