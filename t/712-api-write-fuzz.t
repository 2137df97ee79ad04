# createGroupPad (the group must exist: Pgroup:{g.X}, written here as apig
# writes it; the pad in Pgroup:{g.X}:pads; deletePad takes it out), then
# the write functions with random parameters (lengths, encodings, missing
# and repeated fields): always code 0 or 1, never a crash, never a partial
# write (after each call the pad's text is what the calls that answered 0
# made it, as spliceText would).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx);
use Test::More;
use Encode ();

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $rc = $redis->client;

my $dir = Test::Pad::tmpdir();
my $key = 'f' x 32;
open my $fh, '>', "$dir/APIKEY.txt" or die $!;
print $fh "$key\n";
close $fh;

my $ng = engine_nginx(redis_port => $redis->port, workers => 2,
    http   => "pad_api_key_file $dir/APIKEY.txt;\npad_redis_prefix t712:;\n",
    server => "location /api { pad_api; }\n")
    or die "nginx did not start\n";

sub enc {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# $q: [name, raw bytes] pairs (repeats allowed); a POST when long
sub call {
    my ($fn, @q) = @_;
    my $qs = join '&', "apikey=$key", map { "$_->[0]=" . enc($_->[1]) } @q;
    my $r = length $qs > 2000
        ? http_post($ng, "/api/1.3.0/$fn", $qs, headers =>
                    [ 'Content-Type' => 'application/x-www-form-urlencoded' ])
        : http_get($ng, "/api/1.3.0/$fn?$qs");
    return Test::Pad::json_decode($r->{body}) // { status => $r->{status} };
}

sub u8 { Encode::encode('UTF-8', $_[0]) }
sub text_of { call('getText', [ padID => $_[0] ])->{data}{text} }

# --- createGroupPad ----------------------------------------------------------

my $g = 'g.' . 'Q' x 16;
is_deeply(call('createGroupPad', [ groupID => $g ], [ padName => 'x' ]),
          { code => 1, message => 'groupID does not exist', data => undef },
          'createGroupPad of no group');
is_deeply(call('createGroupPad', [ padName => 'x' ]),
          { code => 1, message => 'groupID does not exist', data => undef },
          '... without groupID');
$rc->hset("t712:group:{$g}", 'created', 1);
is_deeply(call('createGroupPad', [ groupID => $g ], [ padName => 'x' ],
               [ text => 'grouped' ]),
          { code => 0, message => 'ok', data => { padID => "$g\$x" } },
          'createGroupPad: {padID}');
is(text_of("$g\$x"), "grouped\n", '... its text');
ok($rc->sismember("t712:group:{$g}:pads", "$g\$x"),
   '... in Pgroup:{g}:pads');
is_deeply(call('createGroupPad', [ groupID => $g ], [ padName => 'x' ]),
          { code => 1, message => 'padName does already exist',
            data => undef }, '... again: padName does already exist');
is(call('createGroupPad', [ groupID => $g ], [ padName => 'a/b' ])->{code},
   0, 'a padName with "/" is allowed, as in Etherpad');
is_deeply(call('listAllPads')->{data}{padIDs}, [ "$g\$a/b", "$g\$x" ],
          'listAllPads has both');
is_deeply(call('deletePad', [ padID => "$g\$x" ])->{code}, 0, 'deletePad');
ok(!$rc->sismember("t712:group:{$g}:pads", "$g\$x"),
   '... took it out of Pgroup:{g}:pads');
ok($rc->exists("t712:group:{$g}"), '... the group stays');

# --- fuzz ---------------------------------------------------------------------

srand(712);
my @pieces = ("a", "b\n", "\r\n", "\t", "\x{a0}", "\x{e9}", "\x{263a}",
              "\x{1F600}", "\n", " ", "\$", "&", "%", "+", "=", "\0");
sub rtext {
    my $n = int(rand(3)) ? int(rand(12)) : int(rand(3000));
    return join '', map { $pieces[rand @pieces] } 1 .. $n;
}
sub clean {
    my $t = shift;
    $t =~ s/\r\n/\n/g; $t =~ s/\r/\n/g; $t =~ s/\t/        /g;
    $t =~ s/\x{a0}/ /g;
    return $t;
}

is(call('createPad', [ padID => 'fz' ], [ text => '' ])->{code}, 0,
   'pad fz');
my $want = "\n";
my ($bad, $calls, $ok0) = (0, 0, 0);

for my $i (1 .. 150) {
    my $fn = (qw(setText appendText setText appendText createPad deletePad
                sendClientsMessage))[rand 7];
    my $text = rtext();
    my @q;
    my $pad = int(rand(8)) ? 'fz' : (qw(nope fz%zz), 'x' x 60, '')[rand 4];
    my $valid = 1;
    push @q, [ padID => $pad ] if rand() < 0.95;
    push @q, [ padID => 'fz' ] if rand() < 0.05;      # repeated
    my $bytes = u8($text);
    $bytes .= "\xff\xfe" if rand() < 0.05;            # not UTF-8
    push @q, [ text => $bytes ] if rand() < 0.9;
    push @q, [ msg => $bytes ] if $fn eq 'sendClientsMessage';
    push @q, [ authorId => (rand() < 0.5 ? 'a.' . 'z' x 16 : u8(rtext())) ]
        if rand() < 0.5;
    push @q, [ text => 'again' ] if rand() < 0.03;

    next if $fn eq 'deletePad' && !($pad ne 'fz' || rand() < 0.05);
    next if $fn eq 'createPad' && $pad eq 'fz' && rand() < 0.5;

    my $r = call($fn, @q);
    $calls++;
    my $code = $r->{code} // -1;
    if ($code != 0 && $code != 1) {
        $bad++;
        diag("$fn: " . Test::Pad::json_encode($r));
        next;
    }
    next unless $code == 0;
    $ok0++;

    # what the call did, when it answered 0 on pad fz
    my %h;
    $h{$_->[0]} //= $_->[1] for @q;
    my $n = grep { $_->[0] eq 'padID' } @q;
    next unless $n == 1 && $h{padID} eq 'fz';
    my $t = clean(Encode::decode('UTF-8', $h{text} // ''));
    if ($fn eq 'setText') {
        $want = $t =~ /\n\z/ ? $t : "$t\n";
    } elsif ($fn eq 'appendText') {
        # before the final newline, which stays
        $want = substr($want, 0, -1) . $t . "\n";
    } elsif ($fn eq 'deletePad') {
        is(call('createPad', [ padID => 'fz' ], [ text => '' ])->{code}, 0,
           'fz deleted by the fuzz: created again');
        $want = "\n";
    }
    my $got = text_of('fz');
    if (!defined $got || $got ne $want) {
        $bad++;
        diag("after $fn: text differs: " . Test::Pad::json_encode([$got, $want]));
        $want = $got // "\n";
    }
}
is($bad, 0, "$calls random calls: code 0 or 1, the text always as "
   . "expected ($ok0 answered 0)");
ok($ok0 > 20, '... many of them wrote');
is(call('getText', [ padID => 'fz' ])->{code}, 0, 'the pad is readable');
unlike($ng->log, qr/\[(alert|crit|emerg)\]|signal \d+/,
       'no alert, no crash');
$ng->stop;
