# Unit tests of the pure transport parts (src/codec/): RFC 6455 frame
# codec, incremental UTF-8 validator, Engine.IO/Socket.IO packet codec.
use strict;
use warnings;
use FindBin;
my $bin = "$FindBin::Bin/../build/unit/transport_test";
exec $bin or die "cannot run $bin (make unit): $!\n";
