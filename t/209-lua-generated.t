# ngx_pad_module/store/ngx_pad_store_scripts.c is generated from the .lua
# files in ngx_pad_module/store/scripts/
# by util/gen-lua.sh and committed: it must be current.

use strict;
use warnings;

use FindBin;
use File::Temp qw(tempdir);
use Test::More tests => 2;

my $root = "$FindBin::Bin/..";
my $dir = tempdir(CLEANUP => 1);

is(system('sh', "$root/util/gen-lua.sh", "$dir/gen.c"), 0,
   'util/gen-lua.sh runs');

my $slurp = sub { open my $f, '<', $_[0] or return ''; local $/; <$f> };
ok($slurp->("$dir/gen.c") eq $slurp->("$root/ngx_pad_module/store/ngx_pad_store_scripts.c"),
   'ngx_pad_module/store/ngx_pad_store_scripts.c is current (run util/gen-lua.sh)');
