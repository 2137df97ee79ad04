# The HTTP API's OAuth bearer tokens (Etherpad 2.x's "sso"): with
# pad_api_jwt_key and no pad_api_key_file, a call needs
# "Authorization: Bearer <jwt>" signed RS256 by that key, not expired,
# already valid, whose sub is one of pad_api_jwt_clients or which has an
# admin claim; keys and tokens made here with openssl.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx);
use Test::More;
use MIME::Base64 qw(encode_base64url);
use JSON::PP ();

my $dir = Test::Pad::tmpdir();
for my $k (qw(good other)) {
    system("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
           . "-out $dir/$k.key 2>/dev/null") == 0 or die "openssl\n";
    system("openssl pkey -in $dir/$k.key -pubout -out $dir/$k.pub "
           . "2>/dev/null") == 0 or die "openssl\n";
}
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
       . "-out $dir/ec.key 2>/dev/null; openssl pkey -in $dir/ec.key -pubout "
       . "-out $dir/ec.pub 2>/dev/null");

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $ng = engine_nginx(redis_port => $redis->port,
    http => "pad_api_jwt_key $dir/good.pub;\n"
            . "pad_api_jwt_clients client_credentials other-client;\n",
    server => "location /api { pad_api; }\n")
    or die "nginx did not start\n";

sub b64j { encode_base64url(Test::Pad::json_encode($_[0])) }

sub sign {
    my ($input, $key) = @_;
    open my $fh, '>', "$dir/in" or die $!;
    print $fh $input;
    close $fh;
    my $sig = `openssl dgst -sha256 -sign $dir/$key.key $dir/in`;
    return encode_base64url($sig);
}

sub jwt {
    my ($payload, %o) = @_;
    my $h = b64j($o{header} || { alg => 'RS256', typ => 'JWT' });
    my $p = b64j($payload);
    return "$h.$p." . ($o{sig} // sign("$h.$p", $o{key} || 'good'));
}

sub call {
    my ($auth, $fn) = @_;
    my $r = http_get($ng, '/api/1.3.0/' . ($fn || 'checkToken'),
                     defined $auth ? (headers => [ Authorization => $auth ])
                                   : ());
    return ($r->{status}, Test::Pad::json_decode($r->{body}));
}

my $now = time;
my $admin = { sub => 'someone', admin => $JSON::PP::true, exp => $now + 600 };

my ($st, $j) = call('Bearer ' . jwt($admin));
is_deeply($j, { code => 0, message => 'ok', data => undef },
          'a valid token with an admin claim');
is($st, 200, '... 200');
($st, $j) = call(jwt($admin));
is($j->{code}, 0, 'without "Bearer ": the header is the token');
($st, $j) = call('Bearer ' . jwt({ sub => 'client_credentials' }));
is($j->{code}, 0, 'a client\'s sub, no admin claim, no exp');
($st, $j) = call('Bearer ' . jwt({ sub => 'other-client', iat => $now }));
is($j->{code}, 0, 'the other client');
($st, $j) = call('Bearer ' . jwt({ sub => 'x', admin => $JSON::PP::false }));
is($j->{code}, 0, 'admin false: the claim is there (jose requiredClaims)');

($st, $j) = call(undef);
is_deeply($j, { code => 4, message => 'no or wrong API Key', data => undef },
          'no Authorization header: Etherpad\'s "no or wrong API Key"');
is($st, 401, '... 401');

for my $case (
    [ 'expired', jwt({ %$admin, exp => $now - 10 }) ],
    [ 'exp now', jwt({ %$admin, exp => $now - 1 }) ],
    [ 'exp not a number', jwt({ %$admin, exp => "$now" . '9' }) ],
    [ 'nbf in the future', jwt({ %$admin, nbf => $now + 600 }) ],
    [ 'iat not a number', jwt({ %$admin, iat => 'x' }) ],
    [ 'signed by another key', jwt($admin, key => 'other') ],
    [ 'alg none', jwt($admin, header => { alg => 'none' }, sig => '') ],
    [ 'alg HS256 with the public key as secret',
      do { my $h = b64j({ alg => 'HS256' }); my $p = b64j($admin);
           my $pem = do { local (@ARGV, $/) = "$dir/good.pub"; <> };
           require Digest::SHA;
           "$h.$p." . encode_base64url(Digest::SHA::hmac_sha256("$h.$p",
                                                                $pem)) } ],
    [ 'a tampered payload',
      do { my $t = jwt({ sub => 'x', exp => $now + 600 });
           my ($h, $p, $s) = split /\./, $t;
           "$h." . b64j($admin) . ".$s" } ],
    [ 'no admin claim, not a client', jwt({ sub => 'x', exp => $now + 600 }) ],
    [ 'a client id as another claim',
      jwt({ client_id => 'client_credentials' }) ],
    [ 'a crit header', jwt($admin, header => { alg => 'RS256',
                                               crit => ['exp'] }) ],
    [ 'garbage', 'Bearer a.b.c' ],
    [ 'two parts', 'Bearer a.b' ],
    [ 'an API key', 'secret' ],
) {
    my ($name, $t) = @$case;
    ($st, $j) = call($t =~ /^Bearer / ? $t : "Bearer $t");
    is_deeply($j, { code => 4, message => 'no or wrong OAuth token',
                    data => undef }, "$name: code 4, no or wrong OAuth token");
    is($st, 401, '... 401');
}

my $n = $ng->log_count(qr/\[warn\].*OAuth token refused/);
ok($n >= 1 && $n <= 4, "refusals logged at most once a second ($n lines)");
like($ng->log, qr/OAuth token refused: [a-z]/, '... with the reason');

# functions work with a token
($st, $j) = call('Bearer ' . jwt($admin), 'getStats');
is($j->{code}, 0, 'getStats with a token');

# the configuration: an EC key, or no key, stops nginx -t
for my $bad ([ "$dir/ec.pub", 'not an RSA public key' ],
             [ "$dir/good.key.missing", 'cannot read' ]) {
    my $t = Test::Pad::Nginx->new(
        redis => 0, load_module => 1, workers => 1, log_level => 'info',
        http_config => "pad_api_jwt_key $bad->[0];",
        config => 'location /api { pad_api; }');
    my ($ok, $out) = $t->test_config;
    ok(!$ok && $out =~ /\Q$bad->[1]\E/, "pad_api_jwt_key $bad->[0]: "
       . $bad->[1]) or diag($out);
}

$ng->stop;
unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
