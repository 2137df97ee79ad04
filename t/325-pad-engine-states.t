# The pad engine's state changes in the debug log (issue 9): the pad's
# load and its ready event, the session's states, the replay of the
# messages queued while joining (a posted event, after the join), a
# commit's append and its answer.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_insert);

my $redis = start_redis() or die('redis-server did not start' . "\n");
# (with the default fan-out flush delay: its timer's debug line once read
# a connection the event did not have, and the worker crashed)
my $ng = engine_nginx(redis_port => $redis->port, log_level => 'debug')
    or die('nginx did not start' . "\n");

my $PAD = 'states';
my $mark = $ng->log_mark;

# a chat message pipelined right behind CLIENT_READY waits for the join

my $ws = pad_ws($ng);
my $ready = { component => 'pad', type => 'CLIENT_READY',
              padId => $PAD, token => 't.ssssssssssssssssssss' };
my $chat_msg = { type => 'COLLABROOM', component => 'pad',
                 data => { type => 'CHAT_MESSAGE',
                           message => { text => 'queued' } } };

# both frames in one write: the chat message is read while joining
$ws->send_raw(
    Test::Pad::WebSocket::ws_frame(
        payload => '42' . Test::Pad::json_encode(['message', $ready]))
  . Test::Pad::WebSocket::ws_frame(
        payload => '4221' . Test::Pad::json_encode(['message', $chat_msg])));

my (@types, $chat);
for (1 .. 10) {
    my $m = pad_recv($ws, 3) or last;
    push @types, $m->{type} eq 'COLLABROOM' ? $m->{data}{type} : $m->{type};
    if (($m->{data}{type} || '') eq 'CHAT_MESSAGE') { $chat = $m; last }
}
is($types[0], 'CLIENT_VARS', 'CLIENT_VARS first');
ok($chat && $chat->{data}{message}{text} eq 'queued',
   'the queued chat message was replayed after the join')
    or diag(explain(\@types));

for ([ qr/pad: "states": loading/, 'the load starts' ],
     [ qr/pad: "states": load ended: ready/, 'the load ends' ],
     [ qr/pad: "states": ready event posted/, 'the ready event is posted' ],
     [ qr/pad: "states": ready \(ready\)/, 'the ready event runs' ],
     [ qr/pad: session \d+ new -> joining/, 'the session joins' ],
     [ qr/pad: session \d+ joining -> joined/, 'the session joined' ],
     [ qr/pad: session \d+: replay of 1 messages posted/,
       'the replay is posted when the join ends' ],
     [ qr/pad: session \d+: replaying 1 messages \(joined\)/,
       'the replay runs from the posted event' ])
{
    ok($ng->wait_log($_->[0], 5, $mark), $_->[1]);
}

# the posted replay comes after the transition that posted it

my $log = $ng->log_since($mark);
my $joined = index($log, 'joining -> joined');
my $replay = index($log, 'replaying 1 messages');
ok($joined >= 0 && $replay > $joined, 'the replay follows the join');

# a commit: appended, answered, the head moves

$mark = $ng->log_mark;
my $c = pad_join($ng, $PAD, 't.tttttttttttttttttttt');
ok($c && $c->{vars}, 'a writer joined');
is(pad_insert($c, 'x'), 'accepted', 'its commit is accepted');

for ([ qr/pad: "states": commit: appending 1 as revision 1/,
       'the append is logged' ],
     [ qr/pad: "states": commit: append answered 0/, 'and its answer' ],
     [ qr/pad: "states": head 1 \(window from \d+\)/, 'the head moved' ])
{
    ok($ng->wait_log($_->[0], 5, $mark), $_->[1]);
}

# closing: the session is gone and freed

$mark = $ng->log_mark;
$c->{ws}->close;
ok($ng->wait_log(qr/pad: session \d+ new -> gone/, 5, $mark),
   'a closed session is gone');
ok($ng->wait_log(qr/pad: session \d+ freed/, 5, $mark), 'and freed');

$ng->check_log('engine states');
$ng->stop;
