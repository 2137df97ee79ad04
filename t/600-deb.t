# The Debian packages (make deb, debian/): built with dpkg-buildpackage and
# nginx-dev's dh-sequence-nginx, lintian clean (make deb fails on a lintian
# error or warning), the module's package depends on the nginx ABI it was
# built for and enables the module through modules-enabled.  Installed with
# dpkg (as root, when the package is not installed already), the stock
# nginx binary loads the installed module with Debian's own nginx.conf
# (nginx -t), the installed module serves a pad, the tool runs; purged,
# nothing of it is left.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine;

my $root = $Test::Pad::ROOT;
my $out = "$root/build/deb";

my $log = `cd "$root" && make -s deb 2>&1`;
is($?, 0, 'make deb builds the packages, lintian clean') or diag($log);

my ($version) = `sed -n '1s/.*(\\(.*\\)).*/\\1/p' "$root/debian/changelog"`
    =~ /(\S+)/;
my ($arch) = `dpkg --print-architecture` =~ /(\S+)/;
my $mod = "$out/libnginx-mod-pad_${version}_$arch.deb";
my $tools = "$out/ngx-pad-tools_${version}_$arch.deb";

ok(-f $mod, 'libnginx-mod-pad built');
ok(-f $tools, 'ngx-pad-tools built');

my $lintian = do { local (@ARGV, $/) = "$out/lintian.txt"; <> } // '';
unlike($lintian, qr/^[EW]: /m, 'lintian reports no error or warning');

# what the packages hold
my $files = `dpkg-deb -c "$mod"`;
like($files, qr{\./usr/lib/nginx/modules/ngx_pad_module\.so$}m,
     'the module in nginx\'s module directory');
like($files, qr{\./usr/share/nginx/modules-available/mod-pad\.conf$}m,
     'its load file in modules-available');
like($files, qr{examples/pad\.conf$}m, 'the example configuration');

my ($abi) = `sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars`
    =~ /(\S+)/;
my $depends = `dpkg-deb -f "$mod" Depends`;
like($depends, qr/\Q$abi\E/, "depends on the nginx ABI it was built for "
     . "($abi)");
like($depends, qr/libhiredis/, 'and on hiredis');
like($depends, qr/libjansson/, 'and on jansson');

my $tfiles = `dpkg-deb -c "$tools"`;
like($tfiles, qr{\./usr/bin/pad-changeset$}m, 'pad-changeset in /usr/bin');
like($tfiles, qr{man1/pad-changeset\.1\.gz$}m, 'with its manual page');
like($tfiles, qr{\./usr/bin/pad-migrate$}m, 'pad-migrate in /usr/bin');
like($tfiles, qr{man1/pad-migrate\.1\.gz$}m, 'with its manual page');
like(`dpkg-deb -f "$tools" Depends`, qr/libpq5.*libmariadb|libmariadb.*libpq5/,
     'ngx-pad-tools depends on libpq5 and libmariadb3 (pad-migrate)');

my $tmp = tmpdir();
system("dpkg-deb -x '$mod' '$tmp/x' && dpkg-deb -e '$mod' '$tmp/ctl'") == 0
    or die "dpkg-deb: $?";
my $load = do { local (@ARGV, $/) =
    "$tmp/x/usr/share/nginx/modules-available/mod-pad.conf"; <> };
is($load, "load_module modules/ngx_pad_module.so;\n", 'mod-pad.conf loads '
   . 'the module');
my $postinst = do { local (@ARGV, $/) = "$tmp/ctl/postinst"; <> };
like($postinst, qr{mod-pad\.conf:50-mod-pad\.conf}, 'postinst enables it '
     . 'as 50-mod-pad.conf');

# installed for real
SKIP: {
    skip 'dpkg -i needs root', 10 if $> != 0;
    my $st = `dpkg-query -W -f='\${Status}' libnginx-mod-pad ngx-pad-tools `
             . '2>/dev/null';
    skip 'a libnginx-mod-pad or ngx-pad-tools is installed already: not '
         . 'touched', 10 if $st =~ /installed/;

    my $enabled = '/etc/nginx/modules-enabled/50-mod-pad.conf';
    my $so = '/usr/lib/nginx/modules/ngx_pad_module.so';

    my $o = `dpkg -i "$mod" "$tools" 2>&1`;
    is($?, 0, 'dpkg -i installs both packages') or diag($o);
    ok(-l $enabled && readlink($enabled)
       eq '/usr/share/nginx/modules-available/mod-pad.conf',
       'the module is enabled in /etc/nginx/modules-enabled/');

    $o = `/usr/sbin/nginx -t 2>&1`;
    is($?, 0, 'the stock nginx loads it with Debian\'s nginx.conf') or diag($o);

    my $r = `echo 'Z:1>1+1\$x' | xargs /usr/bin/pad-changeset check 2>&1`;
    is($r, "Z:1>1+1\$x\n", 'the installed pad-changeset runs');
    $r = `/usr/bin/pad-migrate --help 2>&1`;
    like($r, qr/^usage: pad-migrate --from SOURCE/, 'the installed pad-migrate '
         . 'runs');

    {
        local $Test::Pad::MODULE = $so;
        my $redis = start_redis() or die "redis-server did not start\n";
        my $ng = engine_nginx(redis_port => $redis->port, workers => 2)
            or die "nginx did not start\n";
        my $res = sim(urls => ['http://127.0.0.1:' . $ng->port],
                      pad => 'deb-pad', clients => 3, edits => 6,
                      interval => 10, transports => ['websocket'], seed => 9);
        ok($res->{ok}, 'the installed module serves a pad: 3 clients '
           . 'converge') or diag(explain($res));
        like($ng->log, qr/pad redis: command connection to \S+ ready/,
             'the nginx that loaded the installed module ran it');
        $ng->stop;
        $redis->stop;
    }

    $o = `dpkg -P libnginx-mod-pad ngx-pad-tools 2>&1`;
    is($?, 0, 'dpkg -P purges both') or diag($o);
    ok(!-e $enabled && !-l $enabled, 'modules-enabled link gone');
    ok(!-e $so && !-e '/usr/bin/pad-changeset', 'module and tool gone');
}
