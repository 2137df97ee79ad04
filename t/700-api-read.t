# Etherpad's HTTP API (pad_api): GET /api, versions, functions, codes and
# HTTP statuses, the API key (file, apikey / api_key / Authorization, at
# most one log line a second), parameters from the query, urlencoded and
# multipart bodies, and the functions that read a pad, against pads
# written by real clients through the pad engine.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert b36);
use Test::More;
use Time::HiRes qw(sleep time);

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $dir = Test::Pad::tmpdir();
my $key = 'k' x 20 . '0123456789abcdef';
open my $fh, '>', "$dir/APIKEY.txt" or die $!;
print $fh "  $key\n";      # Etherpad trims the file
close $fh;

my $ng = engine_nginx(redis_port => $redis->port,
    http   => "pad_api_key_file $dir/APIKEY.txt;\npad_redis_prefix t700:;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die "nginx did not start\n";

sub api {
    my ($fn, %o) = @_;
    my $ver = delete $o{version} // '1.3.0';
    my $q = delete $o{q} // {};
    my %p = ($o{nokey} ? () : (apikey => $key), %$q);
    my $qs = join '&', map { "$_=" . uri($p{$_}) } sort keys %p;
    my $r = http_get($ng, "/api/$ver/$fn" . ($qs ? "?$qs" : ''),
                     %{ $o{http} || {} });
    return ($r, Test::Pad::json_decode($r->{body}));
}

sub esc_html {
    my $s = shift;
    $s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g; $s =~ s/'/&#x27;/g;
    return $s;
}

sub uri {
    my $s = shift;
    utf8::encode($s) if utf8::is_utf8($s);
    $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# --- routing -----------------------------------------------------------

my $r = http_get($ng, '/api');
is($r->{status}, 200, 'GET /api: 200');
is($r->{body}, '{"currentVersion":"1.3.0"}', '... the current version');
like($r->{headers}{'content-type'}, qr{^application/json}, '... as JSON');

my ($res, $j) = api('getRevisionsCount', version => '9.9',
                    q => { padID => 'x' });
is($res->{status}, 404, 'unknown version: 404');
is_deeply($j, { code => 3, message => 'no such api version', data => undef },
          '... code 3');

($res, $j) = api('nosuch', q => { padID => 'x' });
is($res->{status}, 404, 'unknown function: 404');
is_deeply($j, { code => 3, message => 'no such function', data => undef },
          '... code 3');

($res, $j) = api('getStatsX', version => '1');
is($j->{code}, 3, 'a function of no version: code 3');

($res, $j) = api('checkToken', version => '1');
is($j->{code}, 3, 'checkToken is not in version 1 (since 1.2)');

for my $v (qw(1.2 1.2.1 1.2.7 1.2.8 1.2.9 1.2.10 1.2.11 1.2.12 1.2.13
              1.2.14 1.2.15 1.3.0)) {
    ($res, $j) = api('checkToken', version => $v);
    is_deeply($j, { code => 0, message => 'ok', data => undef },
              "checkToken in $v");
}

# --- the key -------------------------------------------------------------

($res, $j) = api('checkToken', nokey => 1);
is($res->{status}, 401, 'no key: 401');
is_deeply($j, { code => 4, message => 'no or wrong API Key', data => undef },
          '... code 4');

for (1 .. 5) {
    ($res, $j) = api('checkToken', nokey => 1, q => { apikey => 'wrong' });
    is($j->{code}, 4, 'wrong key: code 4');
}
($res, $j) = api('checkToken', nokey => 1, q => { apikey => substr($key, 1) });
is($j->{code}, 4, 'a prefix of the key: code 4');
($res, $j) = api('checkToken', nokey => 1, q => { apikey => "$key " });
is($j->{code}, 4, 'the key with a space: code 4 (only the file is trimmed)');
my $warns = $ng->log_count(qr/\[warn\].*pad api: .*API key/);
ok($warns >= 1 && $warns <= 3, "wrong keys logged at most once a second "
   . "($warns lines for 8 calls)");
unlike($ng->log, qr/wrong.*\Q$key\E|\Q$key\E.*wrong/, 'never with the key');

($res, $j) = api('checkToken', nokey => 1, q => { api_key => $key });
is($j->{code}, 0, 'api_key');
($res, $j) = api('checkToken', nokey => 1,
                 http => { headers => [ Authorization => $key ] });
is($j->{code}, 0, 'an Authorization header');
($res, $j) = api('checkToken', nokey => 1, q => { authorization => $key });
is($j->{code}, 0, 'authorization in the query');

# POST, urlencoded and multipart
$r = http_post($ng, '/api/1.2/checkToken', "apikey=$key",
    headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ]);
is(Test::Pad::json_decode($r->{body})->{code}, 0, 'POST urlencoded');
my $b = 'XyZ123';
$r = http_post($ng, '/api/1.2/checkToken',
    "--$b\r\nContent-Disposition: form-data; name=\"apikey\"\r\n\r\n$key\r\n"
    . "--$b--\r\n",
    headers => [ 'Content-Type' => "multipart/form-data; boundary=$b" ]);
is(Test::Pad::json_decode($r->{body})->{code}, 0, 'POST multipart');
$r = http_post($ng, '/api/1.2/checkToken', "--$b\r\nbroken",
    headers => [ 'Content-Type' => "multipart/form-data; boundary=$b" ]);
is(Test::Pad::json_decode($r->{body})->{code}, 1, 'a broken multipart body: '
   . 'code 1');

# --- a pad written by clients --------------------------------------------

my $c = pad_joined($ng, 'apiread', 't.' . 'a' x 20);
ok($c, 'a client joins pad apiread') or die;
is(pad_insert($c, "hello\n"), 'accepted', 'it types a line');
is(pad_insert($c, "abc"), 'accepted', 'and more');
my $author = $c->{vars}{userId};

($res, $j) = api('getRevisionsCount', q => { padID => 'apiread' });
is_deeply($j, { code => 0, message => 'ok', data => { revisions => 2 } },
          'getRevisionsCount');

($res, $j) = api('getText', q => { padID => 'apiread' });
is($j->{data}{text}, "abchello\n$c->{text}", 'getText');
($res, $j) = api('getText', q => { padID => 'apiread', rev => 1 });
is($j->{data}{text}, "hello\n$c->{text}", 'getText rev 1');
($res, $j) = api('getText', q => { padID => 'apiread', rev => 0 });
is($j->{data}{text}, $c->{text}, 'getText rev 0');
($res, $j) = api('getText', q => { padID => 'apiread', rev => 3 });
is_deeply($j, { code => 1, message => 'rev is higher than the head revision '
                . 'of the pad', data => undef }, 'getText rev 3: code 1');
($res, $j) = api('getText', q => { padID => 'apiread', rev => 'x' });
is($j->{message}, 'rev is not a number', 'rev x');
($res, $j) = api('getText', q => { padID => 'apiread', rev => '-1' });
is($j->{message}, 'rev is not a negative number', 'rev -1 (Etherpad\'s '
   . 'message)');
($res, $j) = api('getText', q => { padID => 'nosuchpad' });
is_deeply($j, { code => 1, message => 'padID does not exist', data => undef },
          'getText of no pad');
is($res->{status}, 200, '... with 200, as Etherpad');
($res, $j) = api('getText', q => {});
is($j->{message}, 'padID is not a string', 'no padID');
($res, $j) = api('getText', q => { padID => 'a$b' });
is($j->{message}, 'padID did not match requirements', 'an invalid padID');
($res, $j) = api('getText', q => { padID => 'x' x 51 });
is($j->{message}, 'padID did not match requirements', 'a padID of 51');
$r = http_get($ng, "/api/1/getText?apikey=$key&padID=apiread&padID=x");
is(Test::Pad::json_decode($r->{body})->{message}, 'padID is not a string',
   'a repeated padID is not a string (an array in Etherpad)');
$r = http_get($ng, "/api/1/getText?apikey=$key&padID=%FF");
is(Test::Pad::json_decode($r->{body})->{code}, 1, 'padID not UTF-8: code 1');
($res, $j) = api('getText', q => { padID => 'api read' });
is($j->{message}, 'padID does not exist', 'padID sanitized ("api_read")');

# getHTML as Etherpad's getPadHTML: lines end in <br>, text escaped
($res, $j) = api('getHTML', q => { padID => 'apiread', rev => 1 });
my @lines = split /\n/, "hello\n$c->{text}", -1;
pop @lines;                 # the pad's final newline ends the last line
my $html = join '', map { esc_html($_) . '<br>' } @lines;
$html =~ s{(https?://[^\s<]+)}{<a href="$1" rel="noreferrer noopener">$1</a>}g;
is($j->{data}{html}, "<!DOCTYPE HTML><html><body>$html</body></html>",
   'getHTML rev 1');
($res, $j) = api('getHTML', q => { padID => 'apiread', rev => 9 });
is($j->{message}, 'rev is higher than the head revision of the pad',
   'getHTML rev 9');
($res, $j) = api('getHTML', q => { padID => 'nosuchpad' });
is($j->{message}, 'padID does not exist', 'getHTML of no pad');

($res, $j) = api('getRevisionChangeset', q => { padID => 'apiread',
                                                rev => 1 });
like($j->{data}, qr/^Z:[0-9a-z]+>6\*0\|1\+6\$hello\n$/s,
     'getRevisionChangeset rev 1');
($res, $j) = api('getRevisionChangeset', q => { padID => 'apiread' });
like($j->{data}, qr/\$abc$/, 'getRevisionChangeset: the head');
($res, $j) = api('getRevisionChangeset', q => { padID => 'apiread',
                                                rev => 7 });
is($j->{code}, 1, 'getRevisionChangeset rev 7: code 1');

($res, $j) = api('getLastEdited', q => { padID => 'apiread' });
ok($j->{data}{lastEdited} > (time - 60) * 1000
   && $j->{data}{lastEdited} <= (time + 1) * 1000, 'getLastEdited: now');

($res, $j) = api('getChatHead', q => { padID => 'apiread' });
is_deeply($j->{data}, { chatHead => -1 }, 'getChatHead: -1 (no chat)');

($res, $j) = api('listAuthorsOfPad', q => { padID => 'apiread' });
is_deeply($j->{data}, { authorIDs => [ $author ] }, 'listAuthorsOfPad');

($res, $j) = api('getAttributePool', q => { padID => 'apiread' });
is_deeply($j->{data}{pool}{numToAttrib}, { 0 => [ 'author', $author ] },
          'getAttributePool: numToAttrib');
is_deeply($j->{data}{pool}{attribToNum}, { "author,$author" => 0 },
          '... attribToNum');
is($j->{data}{pool}{nextNum}, 1, '... nextNum');

($res, $j) = api('getReadOnlyID', q => { padID => 'apiread' });
my $ro = $j->{data}{readOnlyID};
like($ro, qr/^r\.[0-9a-f]{32}$/, 'getReadOnlyID');
($res, $j) = api('getReadOnlyID', q => { padID => 'apiread' });
is($j->{data}{readOnlyID}, $ro, '... the same again');
is($c->{vars}{readOnlyId} // $ro, $ro, '... as CLIENT_VARS had it');
($res, $j) = api('getReadOnlyID', q => { padID => 'nosuchpad' });
is($j->{message}, 'padID does not exist', 'getReadOnlyID of no pad');

($res, $j) = api('getPadID', q => { roID => $ro });
is_deeply($j->{data}, { padID => 'apiread' }, 'getPadID');
($res, $j) = api('getPadID', q => { roID => 'r.' . '0' x 32 });
is($j->{message}, 'padID does not exist', 'getPadID of an unknown id');
($res, $j) = api('getPadID', q => { roID => 'apiread' });
is($j->{message}, 'padID does not exist', 'getPadID of a pad id');

# a bold word typed by a client
{
    my $len = Test::Pad::Engine::changeset_len("abchello\n$c->{text}");
    Test::Pad::Engine::pad_send($c->{ws}, { type => 'COLLABROOM',
        component => 'pad', data => { type => 'USER_CHANGES',
        baseRev => $c->{rev}, changeset => 'Z:' . b36($len) . '>4*0+4$bold',
        apool => { numToAttrib => { 0 => [ 'bold', 'true' ] },
                   nextNum => 1 } } });
    my ($m) = Test::Pad::Engine::pad_recv_until($c->{ws},
        sub { ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' }, 5);
    ok($m, 'a bold insert is accepted');
    $c->{rev}++;
    $c->{len} = $len + 4;
}
($res, $j) = api('getHTML', q => { padID => 'apiread' });
like($j->{data}{html}, qr{^<!DOCTYPE HTML><html><body><strong>bold</strong>abchello<br>},
     'getHTML: bold as <strong>');
($res, $j) = api('getText', q => { padID => 'apiread' });
like($j->{data}{text}, qr/^boldabchello\n/, 'getText at the head');

# --- Redis down ----------------------------------------------------------

$redis->stop;
($res, $j) = api('getText', q => { padID => 'apiread' });
is($res->{status}, 500, 'Redis down: 500');
is_deeply($j, { code => 2, message => 'internal error', data => undef },
          '... code 2');
($res, $j) = api('getRevisionsCount', q => { padID => 'apiread' });
is($j->{code}, 2, '... for head reads too');
ok($redis->start, 'redis back');
ok(wait_until(sub { (api('getRevisionsCount',
                         q => { padID => 'apiread' }))[1]{code} == 0 }, 10),
   'the API answers again');

$c->{ws}->close;
unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
