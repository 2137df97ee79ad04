# CLIENT_VARS as Etherpad 2.5.3's browser pages need it, with nginx set up
# as in front of Etherpad's pages (only /socket.io/ and export/txt go to the
# module, through a regex location). The CLIENT_READY messages are the exact
# shapes the 2.5.3 pad page and timeslider send (captured from a browser).
# Checked: every field the pad client and the UI read, with its JSON type
# (§3.4 of the protocol reference), the initial atext consistent with its
# attribs, the read-only variant (no real pad id anywhere), and a site file
# with partial nested objects merged into the defaults (not replacing them).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT unb36 pad_joined);

my $redis = start_redis() or die('redis-server did not start' . "\n");

my $dir = tmpdir('site');
my $site = "$dir/site.json";
open(my $fh, '>', $site) or die "$site: $!";
print $fh '{"padOptions":{"showChat":false},'
        . '"scrollWhenFocusLineIsOutOfViewport":{"duration":40},'
        . '"randomVersionString":"0123abcd","userId":"a.notme",'
        . '"skinVariants":"dark-toolbar"}';
close $fh;

my $rport = $redis->port;
my $ng = Test::Pad::start_nginx(
    workers     => 1,
    log_level   => 'info',
    http_config => "pad_redis 127.0.0.1:$rport;\n"
                 . "pad_client_settings $site;\n",
    config      => "location /socket.io/ { pad_socketio; }\n"
                 . 'location ~ ^/p/[^/]+/export/txt$ { pad_http; }' . "\n"
                 . "location / { return 418; }\n",
) or die('nginx did not start' . "\n");

my $PAD = 'browser' . $$;

# the CLIENT_READY $m exactly as a page sends it: (CLIENT_VARS's data,
# $ws) or ()
sub client_vars {
    my ($m) = @_;
    my $c = pad_joined($ng, $m->{padId}, $m->{token},
                       query => { padId => $m->{padId} }, msg => $m)
        or return;
    return ($c->{vars}, $c->{ws});
}

sub is_obj { ref($_[0]) eq 'HASH' }
sub is_arr { ref($_[0]) eq 'ARRAY' }
# JSON types as decoded (strings are POK only, numbers IOK only)
use B ();
sub _flags { B::svref_2object(\$_[0])->FLAGS }
sub is_bool { Cpanel::JSON::XS::is_bool($_[0]) }
sub is_str { defined($_[0]) && !ref($_[0])
             && (_flags($_[0]) & B::SVf_POK())
             && !(_flags($_[0]) & (B::SVf_IOK() | B::SVf_NOK())) }
sub is_int { defined($_[0]) && !ref($_[0])
             && (_flags($_[0]) & B::SVf_IOK())
             && !(_flags($_[0]) & B::SVf_POK()) }

# what the pad client / UI reads, and the type it needs
my %NEED = (
    skinName => \&is_str, skinVariants => \&is_str,
    randomVersionString => \&is_str, accountPrivs => \&is_obj,
    automaticReconnectionTimeout => \&is_int, initialOptions => \&is_obj,
    savedRevisions => \&is_arr, colorPalette => \&is_arr,
    padOptions => \&is_obj, padShortcutEnabled => \&is_obj,
    scrollWhenFocusLineIsOutOfViewport => \&is_obj,
    collab_client_vars => \&is_obj, userColor => sub { defined $_[0] },
    padId => \&is_str, chatHead => \&is_int, readOnlyId => \&is_str,
    readonly => \&is_bool, serverTimestamp => \&is_int, userId => \&is_str,
    sessionRefreshInterval => \&is_int, exportAvailable => \&is_str,
    indentationOnNewLine => \&is_bool, enableDarkMode => \&is_bool,
    mode => \&is_str, numConnectedUsers => \&is_int,
);

sub check_vars {
    my ($v, $what, $padid, $ro) = @_;
    for my $k (sort keys %NEED) {
        ok($NEED{$k}->($v->{$k}), "$what: $k present with the right type")
            or diag("$k = " . Test::Pad::json_encode([$v->{$k}]));
    }
    my $c = $v->{collab_client_vars} || {};
    my $at = $c->{initialAttributedText} || {};
    ok(is_str($at->{text}) && $at->{text} =~ /\n\z/,
       "$what: initialAttributedText.text ends with a newline");
    my ($chars, $nl, $ok) = (0, 0, 1);
    my $attribs = $at->{attribs} // '';
    while ($attribs =~ /\G((?:\*[0-9a-z]+)*)(?:\|([0-9a-z]+))?\+([0-9a-z]+)/gc) {
        $nl += unb36($2) if defined $2;
        $chars += unb36($3);
    }
    $ok = 0 if (pos($attribs) // 0) != length $attribs;
    ok($ok && $chars == changeset_len($at->{text} // '')
       && $nl == ($at->{text} // '') =~ tr/\n//,
       "$what: attribs cover the text exactly ($attribs)");
    ok(is_obj($c->{apool}) && is_obj($c->{apool}{numToAttrib})
       && is_int($c->{apool}{nextNum}), "$what: apool");
    ok(is_int($c->{rev}) && is_int($c->{time}), "$what: rev and time");
    ok(is_obj($c->{historicalAuthorData}),
       "$what: historicalAuthorData is an object");
    is($c->{padId}, $padid, "$what: collab_client_vars.padId");
    is($v->{padId}, $padid, "$what: padId is the id asked for");
    is(!!$v->{readonly}, !!$ro, "$what: readonly");
    isnt($v->{mode}, 'development', "$what: mode is not development");
    ok(!$v->{sessionRefreshInterval},
       "$what: no session refresh (no _extendExpressSessionLifetime)");
    is(scalar @{ $v->{colorPalette} || [] }, 64, "$what: 64 colours");
    ok(!(grep { !/^#[0-9a-fA-F]{6}$/ } @{ $v->{colorPalette} || [] }),
       "$what: colours are #rrggbb");
    my $uc = $v->{userColor};
    ok(is_int($uc) ? $uc >= 0 && $uc < 64 : $uc =~ /^#[0-9a-fA-F]{3,6}$/,
       "$what: userColor a palette index or a colour");
    like($v->{userId}, qr/^a\.[0-9A-Za-z]{16}$/,
         "$what: userId an author id (not the site file's)");
    # site file: partial nested objects merged into the defaults
    my $po = $v->{padOptions} || {};
    ok(is_bool($po->{showChat}) && !$po->{showChat},
       "$what: site padOptions.showChat applied");
    ok(is_bool($po->{showLineNumbers}) && is_bool($po->{noColors})
       && exists $po->{userName} && exists $po->{lang},
       "$what: the other padOptions kept");
    my $sw = $v->{scrollWhenFocusLineIsOutOfViewport} || {};
    ok(($sw->{duration} // -1) == 40
       && is_obj($sw->{percentage})
       && is_int($sw->{percentage}{editionAboveViewport})
       && is_int($sw->{percentage}{editionBelowViewport}),
       "$what: scrollWhenFocusLineIsOutOfViewport merged");
    is($v->{randomVersionString}, '0123abcd', "$what: site string applied");
    is($v->{skinVariants}, 'dark-toolbar', "$what: skinVariants applied");
}

# the 2.5.3 pad page
my ($v, $ws) = client_vars({ component => 'pad', type => 'CLIENT_READY',
    padId => $PAD, token => 't.2N3FuB5sP5BqDWOKQxOr',
    userInfo => { colorId => undef, name => undef } });
ok($v, 'pad page: CLIENT_VARS') or die("no CLIENT_VARS\n");
check_vars($v, 'pad page', $PAD, 0);
ok(!exists $v->{userName}, 'pad page: no userName for an unnamed author');
my $ro = $v->{readOnlyId};
like($ro, qr/^r\.[0-9a-f]{32}$/, 'readOnlyId');

# export/txt through the regex location, as in front of Etherpad's pages
my $r = Test::Pad::http_get($ng, "/p/$PAD/export/txt");
is($r->{status}, 200, 'export/txt through a regex location');
is($r->{body}, $v->{collab_client_vars}{initialAttributedText}{text},
   'export/txt is the initial text');
is(Test::Pad::http_get($ng, "/p/$PAD")->{status}, 418,
   'the pad page itself is not the module\'s');

# the 2.5.3 timeslider (data:{} and no userInfo)
my ($tv) = client_vars({ component => 'pad', type => 'CLIENT_READY',
    data => {}, padId => $PAD, token => 't.3dThPge3j2yqh0Qi7THc' });
ok($tv, 'timeslider: CLIENT_VARS');
check_vars($tv, 'timeslider', $PAD, 0) if $tv;
is($tv && $tv->{collab_client_vars}{rev}, $v->{collab_client_vars}{rev},
   'timeslider: same head');

# the read-only page
my ($rv) = client_vars({ component => 'pad', type => 'CLIENT_READY',
    padId => $ro, token => 't.4dThPge3j2yqh0Qi7THc',
    userInfo => { colorId => undef, name => undef } });
ok($rv, 'read-only page: CLIENT_VARS');
if ($rv) {
    check_vars($rv, 'read-only page', $ro, 1);
    unlike(Test::Pad::json_encode($rv), qr/\Q"$PAD"\E/,
           'read-only page: the real pad id appears nowhere');
}
