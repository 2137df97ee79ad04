# Session features of the pad engine: USER_NEWINFO both ways on join,
# USERINFO_UPDATE, USER_LEAVE, userdup, CHAT_MESSAGE to everyone (sender
# included), GET_CHAT_MESSAGES, CLIENT_RECONNECT catch-up with the cursor
# advanced (the next commit is accepted, unlike Etherpad's bug), and the
# token cookie (Etherpad 3.x) instead of the message field.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT b36 pad_join pad_joined);

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port)
    or die('nginx did not start' . "\n");

my $PAD = 'session';

sub collab {
    my ($c, $type) = @_;
    my ($m) = pad_recv_until($c->{ws}, sub {
        ($_[0]{data}{type} || '') eq $type || $_[0]{disconnect} }, 3);
    return $m && $m->{data};
}

my $a = pad_join($ng, $PAD, 't.aaaaaaaaaaaaaaaaaaaa',
                 msg => { userInfo => { name => 'Alice',
                                        colorId => '#00ff00' } });
ok($a->{vars}, 'Alice joined');
is($a->{vars}{userName}, 'Alice', 'userInfo name applied before CLIENT_VARS');
is($a->{vars}{userColor}, '#00ff00', 'userInfo colour applied');
my $aid = $a->{vars}{userId};
like($aid, qr/^a\.[0-9A-Za-z]{16}$/, 'author id');

my $b = pad_join($ng, $PAD, 't.bbbbbbbbbbbbbbbbbbbb');
ok($b->{vars}, 'Bob joined');
my $bid = $b->{vars}{userId};
like($b->{vars}{userColor}, qr/^\d+$/, 'a new author gets a palette index');
is($b->{vars}{numConnectedUsers}, 1,
   'numConnectedUsers: the sockets already in the pad, as Etherpad');

my $ni = collab($a, 'USER_NEWINFO');
is($ni && $ni->{userInfo}{userId}, $bid, 'Alice told about Bob');
$ni = collab($b, 'USER_NEWINFO');
ok($ni && $ni->{userInfo}{userId} eq $aid && $ni->{userInfo}{name} eq 'Alice',
   'Bob told about Alice');

# the same token again: the same author (token2author)
my $a2 = pad_join($ng, $PAD, 't.aaaaaaaaaaaaaaaaaaaa');
is($a2->{vars}{userId}, $aid, 'same token, same author');
is($a2->{vars}{userName}, 'Alice', 'author record kept the name');
my ($dup) = pad_recv_until($a->{ws}, sub { $_[0]{disconnect} });
is($dup && $dup->{disconnect}, 'userdup', 'the older socket gets userdup');
$a = $a2;

# USERINFO_UPDATE
pad_send($b->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'USERINFO_UPDATE',
                               userInfo => { userId => $bid, name => 'Bob',
                                             colorId => '#ff0000',
                                             ip => '1.2.3.4' } } });
($ni) = pad_recv_until($a->{ws}, sub {
    ($_[0]{data}{type} || '') eq 'USER_NEWINFO'
    && ($_[0]{data}{userInfo}{name} // '') eq 'Bob' });
$ni = $ni->{data} if $ni;
ok($ni && $ni->{userInfo}{name} eq 'Bob'
   && $ni->{userInfo}{colorId} eq '#ff0000', 'USERINFO_UPDATE reaches Alice');

# chat
pad_send($a->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'CHAT_MESSAGE',
                               message => { text => 'hello chat',
                                            time => undef } } });
for my $c ([$a, 'sender'], [$b, 'other']) {
    my $cm = collab($c->[0], 'CHAT_MESSAGE');
    ok($cm && $cm->{message}{text} eq 'hello chat'
       && $cm->{message}{userId} eq $aid
       && $cm->{message}{userName} eq 'Alice'
       && $cm->{message}{time} > 1e12, "chat reaches the $c->[1]")
        or diag(explain($cm));
}
pad_send($b->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'GET_CHAT_MESSAGES', start => 0,
                               end => 0 } });
my $cms = collab($b, 'CHAT_MESSAGES');
ok($cms && @{ $cms->{messages} } == 1
   && $cms->{messages}[0]{text} eq 'hello chat', 'GET_CHAT_MESSAGES');
my $c3 = pad_join($ng, $PAD, 't.cccccccccccccccccccc');
is($c3->{vars}{chatHead}, 0, 'chatHead in CLIENT_VARS');
$c3->{ws}->close;
collab($a, 'USER_LEAVE');

# commits by Alice, then Bob reconnects from an old revision
my ($rev, $len) = @$a{qw(rev len)};
my $bob_rev = $rev;
$b->{ws}->close;
my $left = collab($a, 'USER_LEAVE');
is($left && $left->{userInfo}{userId}, $bid, 'USER_LEAVE when Bob leaves');

for my $i (1 .. 3) {
    pad_send($a->{ws}, { type => 'COLLABROOM', component => 'pad',
                         data => { type => 'USER_CHANGES', baseRev => $rev,
                                   changeset => 'Z:' . b36($len) . '>1*0+1$'
                                                . $i,
                                   apool => { numToAttrib => {
                                                 0 => ['author', $aid] },
                                              nextNum => 1 } } });
    my $acc = collab($a, 'ACCEPT_COMMIT');
    is($acc && $acc->{newRev}, $rev + 1, "commit $i");
    $rev++;
    $len++;
}

# the token in the cookie (Etherpad 3.x), reconnect at bob_rev
my $reconnect = sub { ($_[0]{data}{type} || '') eq 'CLIENT_RECONNECT' };
my $b2 = pad_join($ng, $PAD, undef,
                  query => { cookie => 'token=t.bbbbbbbbbbbbbbbbbbbb' },
                  until => $reconnect,
                  msg => { reconnect => Cpanel::JSON::XS::true(),
                           client_rev => $bob_rev });
ok(!$b2->{vars}, 'no CLIENT_VARS on reconnect');
my @rc = grep { ($_->{data}{type} || '') eq 'CLIENT_RECONNECT' }
         @{ $b2->{seen} };
for (1 .. 5) {
    last if @rc == 3;
    my $m = collab($b2, 'CLIENT_RECONNECT') or last;
    push @rc, { data => $m };
}
is_deeply([ map { $_->{data}{newRev} } @rc ], [ $bob_rev + 1 .. $rev ],
          'CLIENT_RECONNECT for each missed revision');
ok(!grep({ $_->{data}{headRev} != $rev } @rc), 'headRev is the head');
is($rc[0]{data}{author}, $aid, 'with the author');
ok(!exists $rc[0]{data}{timeDelta}, 'no timeDelta in CLIENT_RECONNECT');

# the cursor is at head: Bob's next commit is accepted
pad_send($b2->{ws}, { type => 'COLLABROOM', component => 'pad',
                      data => { type => 'USER_CHANGES', baseRev => $rev,
                                changeset => 'Z:' . b36($len) . '>1+1$B',
                                apool => {} } });
my $acc = collab($b2, 'ACCEPT_COMMIT');
is($acc && $acc->{newRev}, $rev + 1, 'commit after reconnect accepted');
my $nc = collab($a, 'NEW_CHANGES');
is($nc && $nc->{newRev}, $rev + 1, 'and fanned out');
is($nc && $nc->{author}, $bid, 'cookie token mapped to the same author');

# reconnect with nothing missed
my $b3 = pad_join($ng, $PAD, 't.bbbbbbbbbbbbbbbbbbbb', until => $reconnect,
                  msg => { reconnect => Cpanel::JSON::XS::true(),
                           client_rev => $rev + 1 });
my ($nochg) = grep { ($_->{data}{type} || '') eq 'CLIENT_RECONNECT' }
              @{ $b3->{seen} };
ok($nochg && $nochg->{data}{noChanges} && $nochg->{data}{newRev} == $rev + 1,
   'CLIENT_RECONNECT noChanges');

# historicalAuthorData: names and colours of the pad's authors
{
    my $e = pad_join($ng, $PAD, 't.eeeeeeeeeeeeeeeeeeee');
    my $h = $e->{vars}{collab_client_vars}{historicalAuthorData};
    is($h->{$aid}{name}, 'Alice', 'historicalAuthorData has Alice');
    is($h->{$bid}{colorId}, '#ff0000', 'and Bob\'s colour');
    $e->{ws}->close;

    # a worker that never saw them reads the records from Redis
    my $ng2 = engine_nginx(redis_port => $redis->port)
        or die('nginx did not start' . "\n");
    my $f = pad_joined($ng2, $PAD, 't.ffffffffffffffffffff');
    ok($f && ($f->{vars}{collab_client_vars}{historicalAuthorData}
                     {$aid}{name} // '') eq 'Alice',
       'another worker reads her record from Redis before CLIENT_VARS');
    my $named;
    for (1 .. 20) {
        my $g = pad_join($ng2, $PAD, 't.gggggggggggggggggggg');
        my $h2 = $g->{vars} && $g->{vars}{collab_client_vars}
                                  {historicalAuthorData};
        $g->{ws}->close;
        if ($h2 && ($h2->{$aid}{name} // '') eq 'Alice') { $named = 1; last }
        select undef, undef, undef, 0.1;
    }
    ok($named, 'and with her record from Redis for the next joiner');
    $ng2->stop;
}

# messages pipelined right behind CLIENT_READY wait for the join and are
# handled in order (no "pre-CLIENT_READY" refusal, no second author)
{
    my $ws = pad_ws($ng);
    pad_send($ws, { component => 'pad', type => 'CLIENT_READY',
                    padId => $PAD, token => 't.dddddddddddddddddddd' });
    pad_send($ws, { type => 'COLLABROOM', component => 'pad',
                    data => { type => 'CHAT_MESSAGE',
                              message => { text => 'early chat' } } }, 21);
    my (@types, $chat);
    for (1 .. 10) {
        my $m = pad_recv($ws, 3) or last;
        push @types, $m->{type} eq 'COLLABROOM' ? $m->{data}{type}
                                                  : $m->{type};
        if (($m->{data}{type} || '') eq 'CHAT_MESSAGE') { $chat = $m; last }
    }
    is($types[0], 'CLIENT_VARS', 'CLIENT_VARS first');
    ok($chat && $chat->{data}{message}{text} eq 'early chat',
       'the pipelined chat message was handled after the join')
        or diag(explain(\@types));
}

$ng->stop;
