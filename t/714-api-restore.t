# restoreRevision (ngx_pad_http_api_copy.c): one new revision whose text
# and attributes equal revision "rev"'s, appended on the head through
# append.lua and live on every instance; Etherpad's checks and messages
# (src/tests/backend/specs/api/restoreRevision.ts: the author by version).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_recv_until
                         cs_apply_text);
use Test::More;
use Test::Pad::API;

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $rc = $redis->client;

my $key = 'r' x 32;
my $kf = api_key_file($key);

my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
        http   => "pad_api_key_file $kf;\n"
                . "pad_redis_prefix t714:;\n",
        server => "location /api { pad_api; }\n")
        or die "nginx did not start\n"
} 1 .. 2;

sub api {
    my ($ng, $fn, %q) = @_;
    my $v = delete $q{v};
    return scalar api_call($ng, $key, $fn, \%q, version => $v, post => 1,
                           chars => 1);
}


my $ok = { code => 0, message => 'ok', data => undef };
sub fails { { code => 1, message => $_[0], data => undef } }
sub text_of { api($_[0], 'getText', padID => $_[1], @_[2 .. $#_])
                  ->{data}{text} }
sub html_of { api($_[0], 'getHTML', padID => $_[1], @_[2 .. $#_])
                  ->{data}{html} }
sub revs { api($_[0], 'getRevisionsCount', padID => $_[1])
               ->{data}{revisions} }
sub author_of {
    my $r = $rc->hget("t714:{$_[0]}:revs", $_[1]) or return;
    return Test::Pad::json_decode($r)->{author};
}

my $auth = 'a.' . 'q' x 16;

# revisions 0..3: text, bold text (setHTML), more text, plain again
is_deeply(api($ng[0], 'createPad', padID => 'rp', text => 'zero'), $ok,
          'createPad rp');
is_deeply(api($ng[0], 'setHTML', padID => 'rp',
              html => '<html><body>one <b>bold</b> two<br></body></html>'),
          $ok, 'setHTML: bold text at revision 1');
is_deeply(api($ng[1], 'appendText', padID => 'rp', text => ' three'), $ok,
          'appendText: revision 2');
is_deeply(api($ng[0], 'setText', padID => 'rp', text => "plain\n"), $ok,
          'setText: revision 3');
is(revs($ng[0], 'rp'), 3, 'head 3');
my @text = map { text_of($ng[0], 'rp', rev => $_) } 0 .. 3;
my @html = map { html_of($ng[0], 'rp', rev => $_) } 0 .. 3;
like($html[1], qr/<strong>bold<\/strong>/, 'revision 1 has bold text');
is(scalar(keys %{{ map { ($_ // 'undef') => 1 } @text, @html }}), 8,
   'four different texts and HTMLs');

# a live client on each instance
my $a = pad_joined($ng[0], 'rp', 't.' . 'a' x 20);
my $b = pad_joined($ng[1], 'rp', 't.' . 'b' x 20);
ok($a && $b && $a->{rev} == 3, 'a client of rp on each instance');

# the checks, in Etherpad's order and words
is_deeply(api($ng[0], 'restoreRevision', padID => 'rp'),
          fails('rev is not defined'), 'no rev');
is_deeply(api($ng[0], 'restoreRevision', padID => 'rp', rev => 'abc'),
          fails('rev is not a number'), 'rev abc');
is_deeply(api($ng[0], 'restoreRevision', padID => 'rp', rev => '-1'),
          fails('rev is not a negative number'), 'rev -1 (Etherpad\'s words)');
is_deeply(api($ng[0], 'restoreRevision', padID => 'rp', rev => 4),
          fails('rev is higher than the head revision of the pad'),
          'rev 4 > head 3');
is_deeply(api($ng[0], 'restoreRevision', padID => 'nope', rev => 0),
          fails('padID does not exist'), 'no such pad');
is_deeply(api($ng[0], 'restoreRevision', rev => 0),
          fails('padID is not a string'), 'no padID');
is(revs($ng[0], 'rp'), 3, 'none of them wrote a revision');

# restore revision 1 (bold), by an author (1.3.0)
is_deeply(api($ng[1], 'restoreRevision', padID => 'rp', rev => 1,
              authorId => $auth), $ok, 'restoreRevision rp 1 (1.3.0, authorId)');
is(revs($ng[0], 'rp'), 4, '... one new revision');
is(text_of($ng[0], 'rp'), $text[1], '... the text of revision 1');
is(html_of($ng[0], 'rp'), $html[1], '... and its attributes (getHTML)');
is(author_of('rp', 4), $auth, '... attributed to authorId');
is_deeply(api($ng[0], 'listAuthorsOfPad', padID => 'rp')->{data}{authorIDs},
          [ $auth ], '... who is in the pool now');

for my $c ([ A => $a ], [ B => $b ]) {
    my ($m) = pad_recv_until($c->[1]{ws}, sub {
        ($_[0]{data}{type} || '') eq 'NEW_CHANGES' }, 5);
    ok($m && $m->{data}{newRev} == 4, "client $c->[0] gets revision 4 live");
    is($m && cs_apply_text($m->{data}{changeset}, $c->[1]{text}), $text[1],
       '... which gives the restored text');
    $c->[1]{text} = $text[1];
}

# the same AText again: no revision (appendRevision's rule)
is_deeply(api($ng[0], 'restoreRevision', padID => 'rp', rev => 1), $ok,
          'restoreRevision to what the pad holds');
is(revs($ng[0], 'rp'), 4, '... adds no revision');

# 1.2.11: authorId is not a parameter (ignored)
is_deeply(api($ng[0], 'restoreRevision', padID => 'rp', rev => 2,
              authorId => $auth, v => '1.2.11'), $ok,
          'restoreRevision rp 2 (1.2.11)');
is(text_of($ng[0], 'rp'), $text[2], '... the text of revision 2');
is(html_of($ng[0], 'rp'), $html[2], '... its attributes');
is(author_of('rp', 5), '', '... authorId ignored: no author');

# the oldest: revision 0 (no authorId: none)
is_deeply(api($ng[0], 'restoreRevision', padID => 'rp', rev => 0), $ok,
          'restoreRevision rp 0');
is(text_of($ng[1], 'rp'), $text[0], '... "zero"');
is(author_of('rp', 6), '', '... no author');

# the clients follow, and a client's edit goes on from there
for my $c ([ A => $a ], [ B => $b ]) {
    my $t = $c->[1]{text};
    for my $want (5, 6) {
        my ($m) = pad_recv_until($c->[1]{ws}, sub {
            ($_[0]{data}{type} || '') eq 'NEW_CHANGES' }, 5);
        $t = cs_apply_text($m->{data}{changeset}, $t) if $m;
    }
    is($t, $text[0], "client $c->[0] converged on revision 0's text");
}
$a->{rev} = 6;
$a->{len} = length $text[0];
is(pad_insert($a, 'x'), 'accepted', 'a client edits after the restore');
is(text_of($ng[1], 'rp'), "x$text[0]", 'the API sees it');

$_->{ws}->close for grep { $_ } $a, $b;
for my $ng (@ng) {
    unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
    $ng->stop;
}
$redis->stop;
