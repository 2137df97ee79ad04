# build/pad-changeset: the plain subcommands and the --jsonl contract.
use strict;
use warnings;
use FindBin;
use IPC::Run qw(run timeout);
use Test::More;

my $bin = "$FindBin::Bin/../build/pad-changeset";
plan skip_all => "$bin missing (make)" unless -x $bin;

sub pc {
    my ($in, @args) = @_;
    my ($out, $err) = ('', '');
    run [$bin, @args], \$in, \$out, \$err, timeout(30);
    return ($? >> 8, $out, $err);
}

my ($rc, $out, $err);

($rc, $out) = pc('', 'check', 'Z:4>0-1+1$a');
is $rc, 0, 'check: valid changeset exits 0';
is $out, "Z:4>0-1+1\$a\n", 'check: prints the changeset';

($rc, $out, $err) = pc('', 'check', 'Z:4>2+1+1$ab');
is $rc, 1, 'check: invalid changeset exits 1';
like $err, qr/not in canonical form/, 'check: says why';

($rc, $out) = pc("abc\n", 'apply', 'Z:4>1=1-1+2$XY');
is $out, "aXYc\n", 'apply: text from stdin';

($rc, $out) = pc('', 'compose', 'Z:4>2=3*0+2$de', 'Z:6<1-1$');
is $out, "Z:4>1-1=2*0+2\$de\n", 'compose';

($rc, $out) = pc('', 'follow', 'Z:1>1+1$a', 'Z:1>1+1$b', 'reverse');
is $out, "Z:2>1+1\$b\n", 'follow reverse';

($rc, $out) = pc('', 'splice', "abc\n", 10, 3, 'X');
is $out, "Z:4>1|1=4+1\$X\n", 'splice past the end (Etherpad 2.x)';

($rc, $out) = pc('', 'unpack', 'Z:az>2*0+2$Hi');
is $out, "oldLen 395\nnewLen 397\nops *0+2\ncharBank Hi\n", 'unpack';

($rc, $out) = pc('', 'bogus', 'x');
is $rc, 2, 'unknown subcommand: usage, exit 2';

my $req = join "\n",
    '{"op":"checkRep","cs":"Z:4>0$"}',
    'not json',
    '{"op":"applyToText","cs":"Z:2>0$","text":"\ud83d\ude00"}',
    '{"op":"applyToText","cs":"Z:1>0$","text":"\ud83d"}',
    '{"op":"makeSplice","text":"\n","start":0,"ndel":0,"ins":"a\ud83d\ude00",'
        . '"attribs":"*0"}',
    '{"op":"prepareForWire","cs":"Z:6>3=5*2+3$xyz","pool":{"numToAttrib":'
        . '{"2":["author","a.BBBB"]},"nextNum":3}}',
    '';
($rc, $out) = pc($req, '--jsonl');
my @r = split /\n/, $out;
is $rc, 0, '--jsonl: exits 0 at EOF';
is scalar(@r), 6, '--jsonl: one reply per line';
is $r[0], '{"ok":"Z:4>0$"}', '--jsonl: checkRep';
like $r[1], qr/^\{"err":"invalid JSON/, '--jsonl: malformed line, err reply';
is $r[2], qq({"ok":"\xf0\x9f\x98\x80"}), '--jsonl: emoji is 2 units';
like $r[3], qr/^\{"err":"invalid JSON: invalid Unicode/,
    '--jsonl: lone surrogate refused';
is $r[4], qq({"ok":"Z:1>3*0+3\$a\xf0\x9f\x98\x80"}),
    '--jsonl: makeSplice counts UTF-16 units';
is $r[5], '{"ok":{"translated":"Z:6>3=5*0+3$xyz","pool":{"numToAttrib":'
    . '{"0":["author","a.BBBB"]},"nextNum":1}}}', '--jsonl: prepareForWire';

done_testing;
