# copyPad, movePad, copyPadWithoutHistory (ngx_pad_http_api_copy.c,
# ngx_pad_store_copy.c, copy.lua, copyread.lua): every record of the pad
# copied in bounded batches into staging keys and committed in one step;
# Etherpad's force semantics and messages (Pad.ts copy, _moveOrCopy's
# checks; src/tests/backend/specs/api/pad.ts); live clients of an
# overwritten destination and of a moved source get {"disconnect":
# "deleted"}; a client joins the copy and edits it.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_recv_until);
use Test::More;
use Test::Pad::API;
use Cpanel::JSON::XS ();
use POSIX ();

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $rc = $redis->client;

my $key = 'c' x 32;
my $kf = api_key_file($key);

my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
        http   => "pad_api_key_file $kf;\n"
                . "pad_redis_prefix t715:;\n"
                . "pad_snapshot_interval 10;\n",
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
sub text_of { api($_[0], 'getText', padID => $_[1])->{data}{text} }
sub revs { api($_[0], 'getRevisionsCount', padID => $_[1])
               ->{data}{revisions} }
sub h { +{ $rc->hgetall("t715:{$_[0]}:$_[1]") } }

my $auth = api($ng[0], 'createAuthor', name => 'cop')->{data}{authorID};
ok($auth, 'an author');

# --- a pad with 300 revisions, snapshots, chat, a saved revision ----------

is_deeply(api($ng[0], 'createPad', padID => 'src', text => 'start',
              authorId => $auth), $ok, 'createPad src');
my $cl = pad_joined($ng[0], 'src', 't.' . 'a' x 20);
ok($cl, 'a client of src');
my $edits = 0;
for (1 .. 30) { $edits++ if pad_insert($cl, "c$_ ") eq 'accepted' }
is($edits, 30, 'the client made revisions 1..30');
for my $i (31 .. 300) {
    api($ng[$i % 2], 'appendText', padID => 'src', text => "\n$i",
        ($i % 3 ? (authorId => $auth) : ()));
}
is(revs($ng[0], 'src'), 300, 'src at revision 300');
for my $i (1 .. 5) {
    api($ng[0], 'appendChatMessage', padID => 'src', text => "chat $i",
        authorID => $auth, time => 1700000000000 + $i);
}
is_deeply(api($ng[0], 'saveRevision', padID => 'src', rev => 20), $ok,
          'a saved revision');
ok(keys %{ h('src', 'snap') } >= 3, 'src has key snapshots');
my $src_ro = api($ng[0], 'getReadOnlyID', padID => 'src')->{data}{readOnlyID};

# --- the checks ----------------------------------------------------------------

is_deeply(api($ng[0], 'copyPad', destinationID => 'x'),
          fails('padID is not a string'), 'no sourceID');
is_deeply(api($ng[0], 'copyPad', sourceID => 'x' x 51, destinationID => 'x'),
          fails('padID did not match requirements'), 'a sourceID of 51');
is_deeply(api($ng[0], 'copyPad', sourceID => 'nope', destinationID => 'x'),
          fails('padID does not exist'), 'no such source');
is_deeply(api($ng[0], 'copyPad', sourceID => 'src'),
          fails('destinationID is not a string'), 'no destinationID');
is_deeply(api($ng[0], 'copyPad', sourceID => 'src',
              destinationID => 'notExistentGroup$x', force => 'true'),
          fails('groupID does not exist for destinationID'),
          'a destination in no group');
is_deeply(api($ng[0], 'copyPad', sourceID => 'src',
              destinationID => 'y' x 51),
          fails(('y' x 51) . ' is not a valid padId'),
          'an invalid destinationID (PadManager.getPad\'s words)');
is_deeply(api($ng[0], 'copyPad', sourceID => 'src', destinationID => 'src',
              force => 'true'),
          fails('destinationID already exists'), 'onto itself, forced');
ok(!$rc->exists('t715:{x}:meta') && !$rc->exists("t715:{${\('y' x 51)}}:meta"),
   'none of them wrote anything');

# --- copyPad -----------------------------------------------------------------

is_deeply(api($ng[1], 'copyPad', sourceID => 'src', destinationID => 'dst'),
          $ok, 'copyPad src dst');
is(text_of($ng[0], 'dst'), text_of($ng[0], 'src'), '... the same text');
is(revs($ng[0], 'dst'), 300, '... 300 revisions');
my $bad = 0;
for my $r (0 .. 300) {
    my $x = api($ng[$r % 2], 'getRevisionChangeset', padID => 'src', rev => $r);
    my $y = api($ng[$r % 2], 'getRevisionChangeset', padID => 'dst', rev => $r);
    $bad++ unless $x->{code} == 0 && defined $y->{data}
                  && $x->{data} eq $y->{data};
}
is($bad, 0, '... every revision\'s changeset equal');
for my $fn (qw(getChatHistory getAttributePool listSavedRevisions
               getLastEdited listAuthorsOfPad getChatHead)) {
    my $x = api($ng[0], $fn, padID => 'src');
    is_deeply(api($ng[1], $fn, padID => 'dst'), $x, "... $fn equal")
        or diag(explain($x));
}
is(scalar @{ api($ng[0], 'getChatHistory', padID => 'dst')
                 ->{data}{messages} }, 5, '... 5 chat messages');
for my $k (qw(revs chat snap saved pool)) {
    is_deeply(h('dst', $k), h('src', $k), "... Redis: every field of :$k");
}
is_deeply([ $rc->zrange('t715:{dst}:snapidx', 0, -1) ],
          [ $rc->zrange('t715:{src}:snapidx', 0, -1) ], '... the snapshot index');
ok(!$rc->exists('t715:{dst}:ro'), '... no read-only id copied');
my $dst_ro = api($ng[0], 'getReadOnlyID', padID => 'dst')->{data}{readOnlyID};
ok($dst_ro && $dst_ro ne $src_ro, '... a new one on demand');
my %m = @{[ $rc->hgetall('t715:{dst}:meta') ]};
ok(!grep(/^copying:/, keys %m), '... no copy left in its meta');
isnt($m{hist}, h('src', 'meta')->{hist}, '... a history of its own');
is_deeply([ grep /\{dst\}:copy:/, $rc->keys('t715:*') ], [],
          '... no staging key left');
ok((grep { $_ eq 'dst' } @{ api($ng[0], 'listAllPads')->{data}{padIDs} }),
   '... listed by listAllPads');
ok((grep { $_ eq 'dst' } @{ api($ng[0], 'listPadsOfAuthor',
                                authorID => $auth)->{data}{padIDs} }),
   '... and by listPadsOfAuthor of its author');
is(text_of($ng[0], 'src'), text_of($ng[0], 'dst'), 'src unchanged');

# --- force -------------------------------------------------------------------

is_deeply(api($ng[0], 'copyPad', sourceID => 'src', destinationID => 'dst'),
          fails('destinationID already exists'), 'again: no force');
is_deeply(api($ng[0], 'copyPad', sourceID => 'src', destinationID => 'dst',
              force => 'yes'),
          fails('destinationID already exists'), 'force "yes" is false');
is_deeply(api($ng[0], 'createPad', padID => 'small', text => 'tiny'), $ok,
          'createPad small');
my $d = pad_joined($ng[1], 'dst', 't.' . 'd' x 20);
ok($d, 'a client of dst');
is_deeply(api($ng[0], 'copyPad', sourceID => 'small', destinationID => 'dst',
              force => 'TRUE'), $ok, 'copyPad small dst force "TRUE"');
my ($k) = pad_recv_until($d->{ws}, sub { $_[0]{disconnect} }, 5);
is_deeply($k, { disconnect => 'deleted' },
          '... the destination\'s client is kicked');
is(text_of($ng[1], 'dst'), "tiny\n", '... dst is small\'s copy now');
is(revs($ng[1], 'dst'), 0, '... at revision 0');
is_deeply(api($ng[0], 'getChatHead', padID => 'dst')->{data},
          { chatHead => -1 }, '... without the old chat');
is_deeply(h('dst', 'snap'), h('small', 'snap'), '... nor old snapshots');

# --- movePad (Etherpad's sequence: forced, then back without force) -----------

my $s = pad_joined($ng[1], 'src', 't.' . 's' x 20);
ok($s, 'another client of src');
my $src_text = text_of($ng[0], 'src');
my $chat = api($ng[0], 'getChatHistory', padID => 'src');
is_deeply(api($ng[0], 'movePad', sourceID => 'src', destinationID => 'moved',
              force => 'true'), $ok, 'movePad src moved');
for my $c ([ first => $cl ], [ second => $s ]) {
    my ($m) = pad_recv_until($c->[1]{ws}, sub { $_[0]{disconnect} }, 5);
    is_deeply($m, { disconnect => 'deleted' },
              "src's $c->[0] client gets {disconnect: deleted}");
}
is_deeply(api($ng[1], 'getText', padID => 'src'),
          fails('padID does not exist'), 'src is gone');
is(text_of($ng[1], 'moved'), $src_text, 'moved has its text');
is(revs($ng[1], 'moved'), 300, '... its revisions');
is_deeply(api($ng[1], 'getChatHistory', padID => 'moved'), $chat,
          '... its chat');
ok(!(grep { $_ eq 'src' } @{ api($ng[0], 'listAllPads')->{data}{padIDs} }),
   'listAllPads: src left');

my $j = pad_joined($ng[0], 'moved', 't.' . 'j' x 20);
ok($j && $j->{rev} == 300 && $j->{text} eq $src_text,
   'a client joins the moved pad at revision 300');
is(pad_insert($j, 'new '), 'accepted', '... and edits it');
is(text_of($ng[1], 'moved'), "new $src_text", 'the edit is in moved');
$j->{ws}->close;

is_deeply(api($ng[0], 'movePad', sourceID => 'moved', destinationID => 'src',
              force => 'false'), $ok, 'movePad back, force false');
is(text_of($ng[0], 'src'), "new $src_text", 'src again');
is(revs($ng[0], 'src'), 301, '... 301 revisions');

# --- copyPadWithoutHistory ---------------------------------------------------

my $a2 = 'a.' . 'n' x 16;
is_deeply(api($ng[0], 'setHTML', padID => 'small',
              html => '<html><body>a <b>bold</b> word<br></body></html>'),
          $ok, 'small gets bold text');
is_deeply(api($ng[0], 'copyPadWithoutHistory', sourceID => 'small',
              destinationID => 'flat', force => 'false', authorId => $a2),
          $ok, 'copyPadWithoutHistory small flat');
is(text_of($ng[1], 'flat'), text_of($ng[1], 'small'), '... the same text');
is(api($ng[1], 'getHTML', padID => 'flat')->{data}{html},
   api($ng[1], 'getHTML', padID => 'small')->{data}{html},
   '... the same attributes (getHTML)');
is(revs($ng[0], 'flat'), 1, '... two revisions (Pad.copyPadWithoutHistory)');
is(Test::Pad::json_decode($rc->hget('t715:{flat}:revs', 1))->{author}, $a2,
   '... by authorId');
is_deeply(Test::Pad::json_decode($rc->hget('t715:{flat}:revs', 1))->{pool},
          { map { $_ => Test::Pad::json_decode(h('flat', 'pool')->{$_}) }
                keys %{ h('flat', 'pool') } },
          '... revision 1 introduces the whole pool (the author\'s too)');
ok((grep { $_->[0] eq 'author' && $_->[1] eq $a2 }
        values %{ Test::Pad::json_decode($rc->hget('t715:{flat}:revs', 1))
                      ->{pool} }), '... the author among them');
is_deeply(api($ng[0], 'copyPadWithoutHistory', sourceID => 'small',
              destinationID => 'flat', force => 'false'),
          fails('destinationID already exists'), 'again: force=false fails');
is_deeply(api($ng[0], 'copyPadWithoutHistory', sourceID => 'small',
              destinationID => 'flat', force => 'true'),
          $ok, 'force=true succeeds');
is_deeply(api($ng[0], 'copyPadWithoutHistory', sourceID => 'small',
              destinationID => 'notExistentGroup$flat', force => 'true')
              ->{code}, 1, 'to a group that does not exist: code 1');

# the pools are independent (Etherpad issue 5296)
is_deeply(api($ng[0], 'setHTML', padID => 'small',
              html => '<html><body><b>bold</b></body></html>'), $ok,
          'bold into small');
is_deeply(api($ng[0], 'setHTML', padID => 'flat',
              html => '<html><body><i>italic</i></body></html>'), $ok,
          'italic into flat');
unlike(api($ng[0], 'getHTML', padID => 'small')->{data}{html}, qr/<em>/,
       'small has no italic');
unlike(api($ng[0], 'getHTML', padID => 'flat')->{data}{html}, qr/<strong>/,
       'flat has no bold');

# --- group destinations, public status ---------------------------------------

my $g = api($ng[0], 'createGroup')->{data}{groupID};
my $gp = api($ng[0], 'createGroupPad', groupID => $g, padName => 'one',
             text => 'grouped')->{data}{padID};
is_deeply(api($ng[0], 'setPublicStatus', padID => $gp, publicStatus => 'true'),
          $ok, 'a public group pad');
is_deeply(api($ng[0], 'copyPad', sourceID => $gp,
              destinationID => "$g\$two"), $ok, 'copyPad into the group');
is_deeply(api($ng[0], 'getPublicStatus', padID => "$g\$two")->{data},
          { publicStatus => Cpanel::JSON::XS::true() }, '... public too');
is_deeply([ sort @{ api($ng[0], 'listPads', groupID => $g)
                        ->{data}{padIDs} } ],
          [ "$g\$one", "$g\$two" ], '... listed in the group');

# --- a destination created while it is copied: one of them wins ---------------

my %won;
for my $n (1 .. 6) {
    my $pid = fork // die;
    if (!$pid) {
        select(undef, undef, undef, 0.002 * $n);
        api($ng[1], 'createPad', padID => "race$n", text => 'created');
        POSIX::_exit(0);
    }
    my $r = api($ng[0], 'copyPad', sourceID => 'src', destinationID => "race$n");
    waitpid $pid, 0;
    my $t = text_of($ng[0], "race$n");
    if ($r->{code} == 0 && $t eq text_of($ng[0], 'src')) {
        $won{copy}++;
    } elsif ($r->{code} == 1 && $r->{message} eq 'destinationID already exists'
             && $t eq "created\n") {
        $won{create}++;
    } else {
        $won{bad}++;
        diag(explain([ $r, $t ]));
    }
}
ok(!$won{bad}, 'copies raced by createPad: the copy or the creation, whole'
   . ' (' . join(', ', map { "$_ $won{$_}" } sort keys %won) . ')');
is_deeply([ grep /:copy:/, $rc->keys('t715:*') ], [],
          '... no staging key left');
is_deeply([ grep { my $m = $_; grep /^copying:/, $rc->hkeys($m) }
                $rc->keys('t715:{race*}:meta') ], [],
          '... no copying: field left');

# --- a copy that died in the middle --------------------------------------------

$rc->hset('t715:{late}:meta', 'copying:0123456789abcdef', 1);
$rc->hset('t715:{late}:copy:0123456789abcdef:revs', 0, 'junk');
is(text_of($ng[0], 'late'), undef, 'a half-written copy is no pad');
is_deeply(api($ng[0], 'copyPad', sourceID => 'small',
              destinationID => 'late'), $ok, 'the next copy to it');
ok(!$rc->exists('t715:{late}:copy:0123456789abcdef:revs'),
   '... removed the leftover');
is(text_of($ng[0], 'late'), text_of($ng[0], 'small'), '... and copied');

$_->{ws}->close for grep { $_ } $cl, $d, $s;
for my $ng (@ng) {
    unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
    $ng->stop;
}
$redis->stop;
