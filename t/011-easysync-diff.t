# Differential test: build/pad-changeset --jsonl against Etherpad's own
# Changeset.js (ep_etherpad-lite@1.8.14, fetched by
# util/deps.d/easysync-oracle.sh).  At least 20,000 random cases; the seed
# is printed (set EASYSYNC_SEED to replay, EASYSYNC_CASES for more).
use strict;
use warnings;
use FindBin;
my $root = "$FindBin::Bin/..";
exec 'node', "$root/t/easysync/diff.js"
    or die "cannot run node (make deps): $!\n";
