# createDiffHTML (ngx_pad_http_api_diff.c) against real nginx + Redis, on
# a pad written by two clients (two authors): Etherpad's answer shape,
# its messages for bad revisions, the HTML compared byte for byte with
# what Etherpad's own padDiff.js and ExportHtml.js make of the same
# revisions (util/diffhtml-oracle.js --pad, when build/oracle is there),
# pad_api_diff_max, and fuzzed parameters.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_send
                         pad_recv_until b36);
use Test::More;
use Test::Pad::API;

my $root = "$FindBin::Bin/..";
my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $dir = Test::Pad::tmpdir();
my $key = 'd' x 32;
my $kf = api_key_file($key);

my $ng = engine_nginx(redis_port => $redis->port,
    http   => "pad_api_key_file $kf;\npad_redis_prefix t740:;\n"
              . "pad_api_diff_max 1050;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die "nginx did not start\n";


sub api {
    my ($fn, %q) = @_;
    return api_call($ng, $key, $fn, \%q);
}

# --- the pad: two authors ----------------------------------------------

my $a = pad_joined($ng, 'diffpad', 't.' . 'a' x 20);
ok($a, 'client A joins') or die;
is(pad_insert($a, "hello world\n"), 'accepted', 'A types a line');
is(pad_insert($a, "abc"), 'accepted', 'A types more');

my $b = pad_joined($ng, 'diffpad', 't.' . 'b' x 20);
ok($b, 'client B joins') or die;
isnt($a->{id}, $b->{id}, 'two authors');

# B deletes "abc" and bolds "hello"
sub send_cs {
    my ($c, $cs, $pool) = @_;
    pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
        data => { type => 'USER_CHANGES', baseRev => $c->{rev},
                  changeset => $cs,
                  apool => $pool || { numToAttrib => {}, nextNum => 0 } } });
    my ($m) = pad_recv_until($c->{ws},
        sub { ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' }, 8);
    $c->{rev}++ if $m;
    return $m;
}
my $len = $b->{len};
ok(send_cs($b, 'Z:' . b36($len) . '<3-3$'), 'B deletes "abc"');
$b->{len} = $len - 3;
ok(send_cs($b, 'Z:' . b36($b->{len}) . '>0*0=5$',
           { numToAttrib => { 0 => [ 'bold', 'true' ] }, nextNum => 1 }),
   'B makes "hello" bold');
is(pad_insert($b, "XY"), 'accepted', 'B types "XY"');

my ($r, $j) = api('getRevisionsCount', padID => 'diffpad');
my $head = $j->{data}{revisions};
is($head, 5, 'five revisions after the first');

# --- answers -------------------------------------------------------------

($r, $j) = api('createDiffHTML', padID => 'diffpad', startRev => 1,
               endRev => 5);
is($r->{status}, 200, 'createDiffHTML: 200');
is($j->{code}, 0, '... code 0') or diag explain $j;
is_deeply([ sort keys %{ $j->{data} } ], [ 'authors', 'html' ],
          '... data {html, authors}');
is_deeply($j->{data}{authors}, [ $a->{id}, $b->{id} ],
          '... the authors of revisions 2..5, each once, in order');
my $html = $j->{data}{html};
like($html, qr{^<style>\n}, '... the HTML starts with the authors\' style');
(my $ca = $a->{id}) =~ s/\./_/g;
(my $cb = $b->{id}) =~ s/\./_/g;
like($html, qr{\.author$ca \{background-color: #[0-9a-f]{6}\}\n},
     '... a colour for A');
like($html, qr{\.author$cb \{background-color: #[0-9a-f]{6}\}\n},
     '... a colour for B');
like($html, qr{<span class="author$cb">XY</span>}, '... B\'s insert, B\'s');
unlike($html, qr{abc}, '... "abc", typed and deleted in the range, is not '
       . 'there');
($r, $j) = api('createDiffHTML', padID => 'diffpad', startRev => 2,
               endRev => 5);
like($j->{data}{html}, qr{<span class="removed">abc</span>},
     'from revision 2: "abc" marked removed');
like($j->{data}{html}, qr{<span class="removed">hello</span><span class="author$cb"><strong>hello</strong></span>},
     '... and "hello" before B made it bold');
is_deeply($j->{data}{authors}, [ $b->{id} ], '... B alone');

# the same as Etherpad's padDiff on the same revisions
my $oracle = "$root/build/oracle/package/node/utils/padDiff.js";
SKIP: {
    skip 'no node or no oracle in build/oracle (make deps)', 1
        unless -f $oracle && system('node --version >/dev/null 2>&1') == 0;
    my ($r2, $p) = api('getAttributePool', padID => 'diffpad');
    my @revs;
    for my $n (0 .. $head) {
        my ($r3, $c) = api('getRevisionChangeset', padID => 'diffpad',
                           rev => $n);
        push @revs, { cs => $c->{data},
                      author => $n == 0 ? '' : $n <= 2 ? $a->{id}
                                                       : $b->{id} };
    }
    my %colors;
    while ($html =~ /\.author(\S+) \{background-color: ([^}]*)\}/g) {
        my ($id, $col) = ($1, $2);
        for my $c ($a, $b) {
            (my $s = $c->{id}) =~ s/\./_/g;
            $colors{ $c->{id} } = $col if $s eq $id;
        }
    }
    for my $range ([1, 5], [0, 5], [2, 4], [3, 3], [4, 0]) {
        my $in = "$dir/pad.json";
        open my $o, '>', $in or die $!;
        print $o Test::Pad::json_encode({ pool => $p->{data}{pool},
            revs => \@revs, start => $range->[0],
            end => $range->[1] || $head, colors => \%colors });
        close $o;
        my $want = Test::Pad::json_decode(
            scalar `node $root/util/diffhtml-oracle.js --pad $in`);
        my ($r4, $got) = api('createDiffHTML', padID => 'diffpad',
                             startRev => $range->[0], endRev => $range->[1]);
        is($got->{data}{html}, $want->{html},
           "startRev $range->[0], endRev $range->[1]: Etherpad's HTML");
        is_deeply($got->{data}{authors}, $want->{authors},
                  '... and its authors');
    }
}

# defaults and Etherpad's messages
($r, $j) = api('createDiffHTML', padID => 'diffpad', startRev => 1);
is($j->{code}, 0, 'no endRev: to the head');
($r, $j) = api('createDiffHTML', padID => 'diffpad', startRev => 2,
               endRev => 99);
is($j->{code}, 0, 'endRev above the head: the head');
($r, $j) = api('createDiffHTML', padID => 'diffpad', startRev => 99);
is_deeply($j->{data}{authors}, [], 'startRev above the head: the head, '
          . 'no author');
($r, $j) = api('createDiffHTML', padID => 'diffpad');
is_deeply($j, { code => 1, data => undef, message =>
    'Invalid revision range. startRev: undefined endRev: undefined' },
    'no startRev: Etherpad\'s message (code 1)');
($r, $j) = api('createDiffHTML', padID => 'diffpad', startRev => 4,
               endRev => 2);
is($j->{message}, 'Invalid revision range. startRev: 4 endRev: 2',
   'endRev below startRev');
($r, $j) = api('createDiffHTML', padID => 'diffpad', startRev => 'x');
is_deeply($j, { code => 1, data => undef, message => 'rev is not a number' },
          'startRev not a number');
($r, $j) = api('createDiffHTML', padID => 'diffpad', startRev => 1,
               endRev => '-3');
is($j->{message}, 'rev is not a negative number', 'a negative endRev');
($r, $j) = api('createDiffHTML', padID => 'nosuchpad', startRev => 0);
is($j->{message}, 'padID does not exist', 'no such pad');
($r, $j) = api('createDiffHTML', startRev => 0);
is($j->{message}, 'padID is not a string', 'no padID');

# a long history: read in more than one store reply (1000 a reply), and
# pad_api_diff_max 1050
($r, $j) = api('createPad', padID => 'longpad', text => "start\n");
is($j->{code}, 0, 'createPad longpad');
my $fails = 0;
for my $i (1 .. 1100) {
    my ($r5, $j5) = api('appendText', padID => 'longpad', text => "w$i ");
    $fails++ if $j5->{code};
}
is($fails, 0, '1100 revisions appended');
($r, $j) = api('createDiffHTML', padID => 'longpad', startRev => 0,
               endRev => 1050);
is($j->{code}, 0, '1050 revisions: within pad_api_diff_max');
like($j->{data}{html}, qr{start<br>w1 w2 w3 .* w1049 w1050&nbsp;<br>$},
     '... every one composed');
unlike($j->{data}{html}, qr{w1051}, '... up to endRev');
($r, $j) = api('createDiffHTML', padID => 'longpad', startRev => 51);
is($j->{code}, 0, '1049 revisions from 51 to the head: within it too');
like($j->{data}{html}, qr{w50 w51 w52 .* w1100&nbsp;<br>$}, '... all of them');
($r, $j) = api('createDiffHTML', padID => 'longpad', startRev => 0);
is_deeply($j, { code => 1, data => undef, message =>
    'the revision range is larger than pad_api_diff_max' },
    '1100 revisions: over pad_api_diff_max (code 1)');

# --- fuzzed parameters -----------------------------------------------------

srand($ENV{FUZZ_SEED} // 740);
my @vals = ('', '0', '1', '3', '-0', ' 2', '2 ', '1e3', '0x10', '2.5',
            '99999999999999999999', "\x{e9}", '%', '7', 'NaN', '+1');
my $bad = 0;
for my $i (1 .. 150) {
    my %q = (padID => 'diffpad');
    $q{startRev} = $vals[rand @vals] if rand() < 0.9;
    $q{endRev} = $vals[rand @vals] if rand() < 0.7;
    my ($rr, $jj) = api('createDiffHTML', %q);
    $bad++ unless $rr->{status} == 200 && defined $jj
                  && ($jj->{code} == 0 || $jj->{code} == 1);
}
is($bad, 0, '150 fuzzed calls: each code 0 or 1, never an error');

($r, $j) = api('getRevisionsCount', padID => 'diffpad');
is($j->{data}{revisions}, 5, 'the pad is unchanged by it all');
