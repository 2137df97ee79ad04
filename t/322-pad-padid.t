# Pad ids in CLIENT_READY as Etherpad's pad page treats them: the id as
# asked must pass isValidPadId (/^(g.[a-zA-Z0-9]{16}\$)?[^$]{1,50}$/, in
# UTF-16 units), then sanitizePadId makes runs of white space (JavaScript's
# \s, Unicode spaces included) and then runs of ':' one '_' each; the
# sanitized id is the pad (CLIENT_VARS padId, export/txt).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_joined);
use utf8;

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port)
    or die('nginx did not start' . "\n");

# CLIENT_READY for $pad with an ack id, by a new author each time: the
# answer (CLIENT_VARS, or the ack refusing it)
my $n = 0;
sub ready {
    my ($pad) = @_;
    $n++;
    my $c = pad_join($ng, $pad, 't.' . ('p' x 19) . chr(97 + $n % 26),
                     ack => 5, until => sub { defined $_[0]{ack} })
        or return;
    $c->{ws}->close;
    return $c->{m};
}

for my $c (["with  spaces", 'with_spaces'],
           ["tab\tand\nnewline", 'tab_and_newline'],
           ["nbsp\x{a0}ideo\x{3000}\x{2028}sep", 'nbsp_ideo_sep'],
           ["a : b::c", 'a___b_c'],
           ["\x{1F600}" . ('x' x 48), "\x{1F600}" . ('x' x 48)])
{
    my ($asked, $want) = @$c;
    my $m = ready($asked);
    (my $show = "\"$asked\" is the pad \"$want\"")
        =~ s/([^\x20-\x7e])/sprintf('\\x{%x}', ord $1)/ge;
    is($m && $m->{type} && $m->{data}{padId}, $want, $show);
}

# a group pad's form ("g" and any character, as Etherpad's regex has it):
# a valid id, so not refused as invalid, but a new group pad without a
# session of its group is denied (Etherpad's checkAccess; t/401)
{
    my $m = ready("g\x{e9}aaaaaaaaaaaaaaaa\$group");
    is($m && $m->{accessStatus}, 'deny',
       '"g\x{e9}aaaaaaaaaaaaaaaa$group" is a valid group pad id: denied '
       . 'without a session');
}

# invalid as asked: refused even if sanitizing would shorten it
for my $asked ('a' . (' ' x 50) . 'b', 'a$b', '', "\x{1F600}" . ('x' x 49),
               "g\naaaaaaaaaaaaaaaa\$x")
{
    my $m = ready($asked);
    (my $show = $asked) =~ s/([^\x20-\x7e])/sprintf('\\x{%x}', ord $1)/ge;
    ok($m && defined $m->{ack} && $m->{args}[0]{message} =~ /invalid padId/,
       "\"$show\" refused");
}

# the sanitized pad is the one stored
my $sp = pad_joined($ng, "sp ace", 't.' . ('s' x 20));
ok($sp, 'joined "sp ace"');
ok(defined pad_text($ng, 'sp_ace'), 'export/txt of "sp_ace" has it');

# GET /p/<id> as Etherpad's page route: 302 to the sanitized id (relative,
# the query kept); an export of the unsanitized id reads the sanitized pad;
# an invalid id: 404
my $r = Test::Pad::http_get($ng, '/p/sp%20ace?lang=de');
is($r->{status}, 302, 'GET /p/sp%20ace redirects');
is($r->{headers}{location}, 'sp_ace?lang=de', 'to sp_ace, query kept');
like($r->{body}, qr/You should be redirected to <a href="sp_ace\?lang=de">/,
     'with a link');
$r = Test::Pad::http_get($ng, '/p/a%20%3A%20b%E2%80%A8c');
is($r->{headers}{location}, 'a___b_c', 'Unicode spaces and ":" sanitized');
$r = Test::Pad::http_get($ng, '/p/%C3%A9t%C3%A9%20x');
is($r->{headers}{location}, '%C3%A9t%C3%A9_x', 'encoded as '
   . 'encodeURIComponent does');
$r = Test::Pad::http_get($ng, '/p/sp_ace');
is($r->{status}, 200, 'GET /p/sp_ace: 200');
$r = Test::Pad::http_get($ng, '/p/sp%20ace/export/txt');
is($r->{status}, 200, 'export/txt of "sp ace" ...');
is($r->{body}, pad_text($ng, 'sp_ace'), '... is the text of "sp_ace"');
$r = Test::Pad::http_get($ng, '/p/a%24b');
is($r->{status}, 404, 'GET /p/a$b: 404');
$ng->stop;
