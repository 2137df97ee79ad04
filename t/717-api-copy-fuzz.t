# copyPad, movePad, copyPadWithoutHistory and restoreRevision with random
# parameters (lengths, encodings, missing and repeated fields): always
# code 0 or 1, never a crash, never a partial write: after each call no
# staging key or copying: field is left, a destination that answered 1 is
# as it was, and one that answered 0 holds the source's text.

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
my $key = 'z' x 32;
open my $fh, '>', "$dir/APIKEY.txt" or die $!;
print $fh "$key\n";
close $fh;

my $ng = engine_nginx(redis_port => $redis->port, workers => 2,
    http   => "pad_api_key_file $dir/APIKEY.txt;\npad_redis_prefix t717:;\n",
    server => "location /api { pad_api; }\n")
    or die "nginx did not start\n";

sub enc {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub call {
    my ($fn, @q) = @_;
    my $qs = join '&', "apikey=$key", map { "$_->[0]=" . enc($_->[1]) } @q;
    my $r = http_post($ng, "/api/1.3.0/$fn", $qs, headers =>
                      [ 'Content-Type' => 'application/x-www-form-urlencoded' ]);
    return Test::Pad::json_decode($r->{body}) // { status => $r->{status} };
}

sub u8 { Encode::encode('UTF-8', $_[0]) }
sub text_of {
    my $r = call('getText', [ padID => $_[0] ], @_[1 .. $#_]);
    return $r->{code} == 0 ? $r->{data}{text} : undef;
}
sub revs { call('getRevisionsCount', [ padID => $_[0] ])->{data}{revisions} }

my $g = 'g.' . 'F' x 16;
$rc->hset("t717:group:{$g}", 'created', 1);

sub make_src {
    call('createPad', [ padID => 'fsrc' ], [ text => 'source' ]);
    call('appendText', [ padID => 'fsrc' ], [ text => u8(" \x{e9}$_") ])
        for 1 .. 3;
}
make_src();
is(revs('fsrc'), 3, 'the source pad at revision 3');

srand(717);
my @pieces = ('a', 'Z', '1', '$', '/', ' ', ':', "\0", "\xff", "\xed\xa0\x80",
              u8("\x{1F600}"), u8("\x{e9}"), '%', '&', '.');
sub junk { join '', map { $pieces[rand @pieces] } 1 .. int(rand(3) ? rand 8
                                                                : rand 700) }
my @dsts = ('d1', 'd2', 'fsrc', "$g\$gd", "$g\$", 'nogroup$d', '$x',
            'x' x 51, 'x' x 50, '');
my @forces = ('true', 'TRUE', 'false', 'yes', '', ' true', 'True');
my @revs = (0, 1, 3, 4, -1, '-0', 'abc', '1e3', ' 2', '99999999999999999999',
            '');

my ($bad, $calls, $ok0) = (0, 0, 0);
for my $i (1 .. 160) {
    my $fn = (qw(copyPad movePad copyPadWithoutHistory restoreRevision))
             [rand 4];
    my @q;
    my ($src, $dst, $rev);
    if ($fn eq 'restoreRevision') {
        $src = int(rand 6) ? 'fsrc' : junk();
        push @q, [ padID => $src ] if rand() < 0.95;
        $rev = int(rand 6) ? $revs[rand @revs] : junk();
        push @q, [ rev => $rev ] if rand() < 0.9;
    } else {
        $src = int(rand 5) ? 'fsrc' : (int(rand 2) ? 'nope' : junk());
        $dst = int(rand 5) ? $dsts[rand @dsts] : junk();
        push @q, [ sourceID => $src ] if rand() < 0.95;
        push @q, [ destinationID => $dst ] if rand() < 0.95;
        push @q, [ force => $forces[rand @forces] ] if rand() < 0.7;
        push @q, [ destinationID => 'd9' ] if rand() < 0.05;   # repeated
    }
    push @q, [ authorId => (rand() < 0.5 ? 'a.' . 'y' x 16 : junk()) ]
        if rand() < 0.4;

    my %h;
    $h{$_->[0]} //= $_->[1] for @q;
    my $d = $h{destinationID};
    my $dvalid = defined $d && $d =~ /\A(?:g.[a-zA-Z0-9]{16}\$)?[^\$]{1,50}\z/
                 && $d !~ /[\0\s:]/;    # getText's padID is sanitized
    my $before = $dvalid ? text_of($d) : undef;
    my $src_text = defined $h{sourceID} && $fn ne 'restoreRevision'
                   ? text_of($h{sourceID}) : undef;
    my %old = $fn eq 'restoreRevision' && defined $h{rev}
              && $h{rev} =~ /\A\s*\+?(\d{1,3})\z/
            ? (text => text_of('fsrc', [ rev => $1 ])) : ();

    my $r = call($fn, @q);
    $calls++;
    my $code = $r->{code} // -1;
    my @left = grep { /:copy:/ } $rc->keys('t717:*');
    my @copying = map { my $m = $_; grep { /^copying:/ } $rc->hkeys($m) }
                  $rc->keys('t717:{*}:meta');
    if ($code != 0 && $code != 1 || @left || @copying) {
        $bad++;
        diag("$fn: " . Test::Pad::json_encode([ $r, \@left, \@copying ]));
        next;
    }
    $ok0++ if $code == 0;
    if ($fn eq 'movePad' && $code == 0
        && defined text_of($h{sourceID}) && $h{sourceID} ne $d)
    {
        $bad++;
        diag("movePad left its source $h{sourceID}");
    }
    make_src() unless defined text_of('fsrc');

    if ($fn eq 'restoreRevision') {
        if ($code == 0 && defined $old{text} && text_of('fsrc') ne $old{text})
        {
            $bad++;
            diag("restoreRevision $h{rev}: not revision $h{rev}'s text");
        }
        next;
    }
    next unless $dvalid;
    my $after = text_of($d);
    my $same = ($h{sourceID} // '') eq $d;
    if ($code == 1 && ($before // "\0") ne ($after // "\0")) {
        $bad++;
        diag("$fn to $d answered 1 but changed it");
    } elsif ($code == 0 && !$same && ($after // '') ne ($src_text // '')) {
        $bad++;
        diag("$fn to $d: not the source's text");
    }
}
is($bad, 0, "$calls random calls: code 0 or 1, no partial write "
   . "($ok0 answered 0)");
ok($ok0 > 15, '... many of them copied');
is(call('getText', [ padID => 'fsrc' ])->{code}, 0, 'the source is readable');
unlike($ng->log, qr/\[(alert|crit|emerg)\]|signal \d+/,
       'no alert, no crash');
$ng->stop;
$redis->stop;
