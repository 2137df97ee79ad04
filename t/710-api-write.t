# The HTTP API's pad writes (ngx_pad_http_api_write.c): createPad and
# listAllPads (the Ppads index), setText and appendText (Pad.ts's
# spliceText: one revision on the head just read, live on every instance
# as NEW_CHANGES), sendClientsMessage and deletePad (Etherpad's kick on
# every instance, every key gone), against two nginx on one Redis.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_recv
                         pad_recv_until cs_apply_text);
use Test::More;
use Test::Pad::API;
use Time::HiRes qw(sleep time);
use POSIX ();

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $rc = $redis->client;

my $key = 'w' x 32;
my $kf = api_key_file($key);

my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
        http   => "pad_api_key_file $kf;\n"
                . "pad_redis_prefix t710:;\n",
        server => "location /api { pad_api; }\n")
        or die "nginx did not start\n"
} 1 .. 2;

# a call, as a POST when the parameters are long
sub api {
    my ($ng, $fn, %q) = @_;
    return scalar api_call($ng, $key, $fn, \%q, chars => 1);
}


sub text_of { api($_[0], 'getText', padID => $_[1])->{data}{text} }

my $ok = { code => 0, message => 'ok', data => undef };
sub fails { { code => 1, message => $_[0], data => undef } }

# --- createPad, listAllPads ----------------------------------------------

is_deeply(api($ng[0], 'listAllPads'), { code => 0, message => 'ok',
          data => { padIDs => [] } }, 'listAllPads: none yet');

# a pad made by a client: the default text
my $c0 = pad_joined($ng[1], 'B-client', 't.' . 'c' x 20);
ok($c0, 'a client creates pad B-client');
like($c0->{text}, qr/^Welcome to Etherpad!\n/, '... with the default text');

is_deeply(api($ng[0], 'createPad', padID => 'w1'), $ok, 'createPad');
is(text_of($ng[1], 'w1'), $c0->{text}, '... holds pad_default_text (read on '
   . 'the other instance)');
is(api($ng[1], 'getRevisionsCount', padID => 'w1')->{data}{revisions}, 0,
   '... at revision 0');
is_deeply(api($ng[1], 'createPad', padID => 'w1'),
          fails('padID does already exist'), 'createPad again: code 1');
is_deeply(api($ng[0], 'createPad', padID => 'g.aaaaaaaaaaaaaaaa$x'),
          fails("createPad can't create group pads"), 'a group pad');
for my $bad ('a/b', 'a?b', 'a&b', 'a#b') {
    is_deeply(api($ng[0], 'createPad', padID => $bad),
              fails('malformed padID: Remove special characters'),
              "malformed padID \"$bad\"");
}
is_deeply(api($ng[0], 'createPad'), fails('padID is not a string'),
          'createPad without padID');
is_deeply(api($ng[0], 'createPad', padID => 'x' x 51),
          fails('padID did not match requirements'), 'a padID of 51');
is_deeply(api($ng[0], 'createPad', padID => 'w2', text => 'x' x 100001),
          fails('text must be less than 100k chars'), 'text of 100001');
is(api($ng[0], 'getText', padID => 'w2')->{message},
   'padID does not exist', '... not created');

my $auth = 'a.' . 'b' x 16;
is_deeply(api($ng[0], 'createPad', padID => 'w2', text => "t\x{e9}xt",
              authorId => $auth), $ok, 'createPad with text and authorId');
is(text_of($ng[0], 'w2'), "t\x{e9}xt\n", '... its text');
is_deeply(api($ng[0], 'listAuthorsOfPad', padID => 'w2')->{data},
          { authorIDs => [ $auth ] }, '... its author in the pool');
is_deeply(api($ng[0], 'createPad', padID => 'w3', text => ''), $ok,
          'createPad with an empty text');
is(text_of($ng[0], 'w3'), "\n", '... is "\n"');
is(api($ng[0], 'getRevisionsCount', padID => 'w3')->{data}{revisions}, 0,
   '... at revision 0');

# the pad made by a client is listed too
is_deeply(api($ng[0], 'listAllPads')->{data},
          { padIDs => [ 'B-client', 'w1', 'w2', 'w3' ] },
          'listAllPads: sorted as JavaScript sorts');
$rc->sadd('t710:pads', 'stale');
is_deeply(api($ng[0], 'listAllPads')->{data}{padIDs},
          [ 'B-client', 'w1', 'w2', 'w3' ],
          'a stale index entry (no pad) is left out');

# --- setText, appendText: live on both instances ---------------------------

my $a = pad_joined($ng[0], 'w1', 't.' . 'a' x 20);
my $b = pad_joined($ng[1], 'w1', 't.' . 'b' x 20);
ok($a && $b, 'a client of w1 on each instance');

is_deeply(api($ng[0], 'setText', padID => 'w1'),
          fails('text is not a string'), 'setText without text');
is_deeply(api($ng[0], 'setText', padID => 'nope', text => 'x'),
          fails('padID does not exist'), 'setText of no pad');
is_deeply(api($ng[0], 'appendText', padID => 'w1'),
          fails('text is not a string'), 'appendText without text');

my @writes = (
    [ setText    => "hello\r\nworld\tx\x{a0}y" ,
      "hello\nworld        x y\n" ],
    [ appendText => "!",   "hello\nworld        x y!\n" ],
    [ appendText => "\n",  "hello\nworld        x y!\n\n" ],
    [ setText    => "line\n", "line\n" ],
    [ appendText => "", "line\n" ],             # no revision
    [ setText    => "line\n", "line\n" ],       # the same AText: none
    [ appendText => "\x{263a}z", "line\x{263a}z\n" ],
    [ setText    => "", "\n" ],
);
my $rev = $a->{rev};
my $expect_revs = 0;
my $i = 0;
for my $w (@writes) {
    my ($fn, $text, $want) = @$w;
    my $before = api($ng[0], 'getRevisionsCount', padID => 'w1')
                     ->{data}{revisions};
    is_deeply(api($ng[$i++ % 2], $fn, padID => 'w1', text => $text,
                  authorId => $auth), $ok, "$fn");
    is(text_of($ng[0], 'w1'), $want, '... the text');
    my $after = api($ng[0], 'getRevisionsCount', padID => 'w1')
                    ->{data}{revisions};
    my $n = $after - $before;
    ok($n == 0 || $n == 1, "... $n revision");
    $expect_revs += $n;
}
is($expect_revs, 6, 'six revisions for eight writes (two change nothing)');

# each client saw every API write once, in order, no gap, and converged
for my $c ([ A => $a ], [ B => $b ]) {
    my ($name, $cl) = @$c;
    my $text = $cl->{text};
    my $r = $cl->{rev};
    my ($bad, $n) = (0, 0);
    while ($n < $expect_revs) {
        my $m = pad_recv($cl->{ws}, 5) or last;
        my $d = $m->{data} || {};
        next unless ($d->{type} || '') eq 'NEW_CHANGES';
        $bad++ if $d->{newRev} != $r + 1;
        $r = $d->{newRev};
        $text = cs_apply_text($d->{changeset}, $text);
        $n++;
    }
    is($n, $expect_revs, "client $name: every write as NEW_CHANGES");
    is($bad, 0, "... in order, no gap, no duplicate");
    is($text, "\n", '... and its text is the pad\'s');
}

# a client's edit after the API's: the pad goes on
$a->{rev} += $expect_revs;
$a->{len} = 1;
is(pad_insert($a, 'abc'), 'accepted', 'a client edits after the API');
is(text_of($ng[1], 'w1'), "abc\n", 'the API sees it');
is_deeply(api($ng[1], 'appendText', padID => 'w1', text => 'd'), $ok,
          'and appends to it');
is(text_of($ng[0], 'w1'), "abcd\n", 'abcd');

# concurrent writes through both instances: all kept, in one order
my @pids;
for my $k (0 .. 3) {
    my $pid = fork // die;
    if (!$pid) {
        for my $j (1 .. 5) {
            api($ng[$k % 2], 'appendText', padID => 'w1', text => "$k");
        }
        POSIX::_exit(0);     # not Test::Pad's END: the servers are ours
    }
    push @pids, $pid;
}
waitpid $_, 0 for @pids;
my $t = text_of($ng[0], 'w1');
is(length($t), 5 + 20, 'twenty concurrent appends all kept');
is(join('', sort split //, substr($t, 4, 20)), '00000111112222233333',
   '... each once');
is(text_of($ng[1], 'w1'), $t, '... the same on both instances');

# --- sendClientsMessage ----------------------------------------------------

my $t0 = time * 1000;
is_deeply(api($ng[0], 'sendClientsMessage', padID => 'w1', msg => 'hi!'),
          $ok, 'sendClientsMessage');
for my $c ([ A => $a ], [ B => $b ]) {
    my ($m) = pad_recv_until($c->[1]{ws}, sub {
        ($_[0]{data}{type} || '') eq 'hi!' }, 5);
    ok($m && $m->{type} eq 'COLLABROOM'
       && $m->{data}{time} >= $t0 - 1000 && $m->{data}{time} <= time * 1000,
       "client $c->[0] gets {type: COLLABROOM, data: {type, time}}")
        or diag(explain($m));
}
is_deeply(api($ng[0], 'sendClientsMessage', padID => 'nope', msg => 'x'),
          fails('padID does not exist'), 'sendClientsMessage to no pad');

# --- deletePad ---------------------------------------------------------------

my $ro = api($ng[0], 'getReadOnlyID', padID => 'w1')->{data}{readOnlyID};
ok($rc->get("t710:ro:$ro"), 'w1 has a read-only id');
api($ng[0], 'sendClientsMessage', padID => 'w1', msg => 'x');  # a chat-free
is_deeply(api($ng[1], 'deletePad', padID => 'w1'), $ok, 'deletePad');
for my $c ([ A => $a ], [ B => $b ]) {
    my ($m) = pad_recv_until($c->[1]{ws}, sub { $_[0]{disconnect} }, 5);
    is_deeply($m, { disconnect => 'deleted' },
              "client $c->[0] is kicked: {disconnect: deleted}");
}
is_deeply(api($ng[0], 'getText', padID => 'w1'),
          fails('padID does not exist'), 'w1 is gone');
is_deeply(api($ng[0], 'deletePad', padID => 'w1'),
          fails('padID does not exist'), 'deletePad again: code 1');
my @left = grep { $_ ne 't710:{w1}:meta' } $rc->keys('t710:{w1}*');
is_deeply(\@left, [], 'no key of w1 but its meta');
is_deeply({ $rc->hgetall('t710:{w1}:meta') } ->{head}, undef,
          '... a tombstone without a head');
ok(!$rc->exists("t710:ro:$ro"), 'the read-only mapping is gone');
ok(!$rc->sismember('t710:pads', 'w1'), 'w1 left Ppads');
is_deeply(api($ng[0], 'listAllPads')->{data}{padIDs},
          [ 'B-client', 'w2', 'w3' ], 'listAllPads without w1');
sleep 0.5;
is(text_of($ng[0], 'w1'), undef, 'no instance wrote w1 back');
ok(!$rc->exists('t710:{w1}:revs'), '... none of its revisions');

# created anew: a new pad, clients join it
is_deeply(api($ng[0], 'createPad', padID => 'w1', text => 'new'), $ok,
          'createPad w1 anew');
my $a2 = pad_joined($ng[0], 'w1', 't.' . 'a' x 20);
ok($a2 && $a2->{text} eq "new\n" && $a2->{rev} == 0,
   'a client joins the new w1 at revision 0');
is(text_of($ng[1], 'w1'), "new\n", 'both instances agree');

$_->{ws}->close for grep { $_ } $a, $b, $a2, $c0;
for my $ng (@ng) {
    unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
    $ng->stop;
}
