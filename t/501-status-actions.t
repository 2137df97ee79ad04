# The metrics move as the actions happen, summed over two workers: joins
# (and a refused one), commits (accepted, rebased, a no-op, refused as a
# bad changeset and from a read-only session), chat, revisions delivered,
# a NEW_CHANGES_BATCH to a reader that fell behind, the commit and
# fan-out latency histograms, sessions by transport (back to 0 when they
# close), the queued bytes, and a Redis restart (connected workers drop
# and come back, reconnects counted).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_joined pad_insert
                         pad_user_changes poll_join poll_messages);
use Time::HiRes qw(sleep);

my $redis = start_redis() or die "redis-server did not start\n";
my $ng = engine_nginx(redis_port => $redis->port, workers => 2,
                   listen_opts => 'reuseport',
                   http => "pad_new_changes_batch on;\n"
                         . "pad_new_changes_batch_max 8;\n",
                   loc => 'pad_send_queue_max 8k; pad_send_lowat 1k;',
                   server => "location = /status { pad_status; }\n")
    or die "nginx did not start\n";

sub m_json {
    my $r = http_get($ng, '/status?format=json');
    return Test::Pad::json_decode($r->{body} // '') || {};
}

sub delta {
    my ($a, $b, @path) = @_;
    my ($x, $y) = ($a, $b);
    for my $k (@path) { $x = ref $x ? $x->{$k} : undef;
                        $y = ref $y ? $y->{$k} : undef; }
    return ($y // 0) - ($x // 0);
}

ok(wait_until(sub { (m_json()->{pad_redis_connected} // 0) == 2 }, 10),
   'both workers connected to Redis');
my $m0 = m_json();

# four writers on one pad, over WebSockets spread over the two workers
my $pad = 'metrics-pad';
my @w = map { pad_joined($ng, $pad, 't.' . ('w' x 19) . $_) } 1 .. 4;
is(scalar(grep { $_ } @w), 4, 'four writers joined') or die "no join\n";
my $m = m_json();
is(delta($m0, $m, qw(pad_joins_total ok)), 4, 'pad_joins_total{ok} +4');
is($m->{pad_sessions}{websocket}, 4, 'pad_sessions{websocket} is 4');
is($m->{pad_pad_sessions}, 4, 'pad_pad_sessions is 4');
ok($m->{pad_pads_loaded} >= 1, 'the pad is loaded (on each worker that '
   . "has a writer: $m->{pad_pads_loaded})");
is(delta($m0, $m, 'pad_connections_total'), 4, 'four Socket.IO connections');

# a refused join
my $bad = pad_join($ng, $pad, 'no-token');
ok($bad && $bad->{m} && $bad->{m}{accessStatus}, 'an invalid token is '
   . 'denied');
$bad->{ws}->close if $bad;
$m = m_json();
is(delta($m0, $m, qw(pad_joins_total refused)), 1,
   'pad_joins_total{refused} +1');

# commits: three accepted, and one rebased over them
my $old_rev = $w[1]{rev};
my $old_len = $w[1]{len};
is(pad_insert($w[0], "one\n"), 'accepted', 'commit 1');
is(pad_insert($w[0], "two\n"), 'accepted', 'commit 2');
is(pad_insert($w[0], "three\n"), 'accepted', 'commit 3');
pad_send($w[1]{ws}, pad_user_changes($old_rev, $old_len, "late\n",
                                     apool => {}));
my ($acc) = pad_recv_until($w[1]{ws}, sub {
    ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' });
ok($acc, 'a commit on an old baseRev is accepted (rebased)');

# a no-op: the identity on the head
my $head = $acc ? $acc->{data}{newRev} : 0;
my $len = $old_len + length("one\ntwo\nthree\nlate\n");
pad_send($w[2]{ws}, { type => 'COLLABROOM', component => 'pad',
    data => { type => 'USER_CHANGES', baseRev => $head,
              changeset => 'Z:' . Test::Pad::Engine::b36($len) . '>0$',
              apool => { numToAttrib => {}, nextNum => 0 } } });
my ($noop) = pad_recv_until($w[2]{ws}, sub {
    ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' });
ok($noop, 'a no-op is acknowledged');

# a chat message
pad_send($w[2]{ws}, { type => 'COLLABROOM', component => 'pad',
    data => { type => 'CHAT_MESSAGE', message => { text => 'hello' } } });
my ($chat) = pad_recv_until($w[3]{ws}, sub {
    ($_[0]{data}{type} || '') eq 'CHAT_MESSAGE' });
ok($chat, 'the chat message reached another writer');

# a bad changeset: disconnected, counted by its reason
pad_send($w[3]{ws}, pad_user_changes($head, $len + 5, "x", apool => {}));
my ($dis) = pad_recv_until($w[3]{ws}, sub { $_[0]{disconnect} });
is($dis && $dis->{disconnect}, 'badChangeset', 'a bad changeset is refused');

# a read-only session that tries to write
my $ro = pad_joined($ng, $w[0]{vars}{readOnlyId}, 't.' . ('r' x 20));
ok($ro, 'a read-only session joined');
pad_send($ro->{ws}, pad_user_changes($ro->{rev}, $ro->{len}, "ro\n",
                                     apool => {}))
    if $ro;

ok(wait_until(sub {
    my $x = m_json();
    delta($m0, $x, qw(pad_commits_refused_total readonly)) >= 1
    && delta($m0, $x, 'pad_chat_messages_total') >= 1
}, 5), 'the read-only write and the chat are counted');

$m = m_json();
is(delta($m0, $m, qw(pad_commits_total accepted)), 4,
   'pad_commits_total{accepted} +4');
is(delta($m0, $m, qw(pad_commits_total noop)), 1,
   'pad_commits_total{noop} +1');
is(delta($m0, $m, 'pad_commits_rebased_total'), 1,
   'pad_commits_rebased_total +1');
is(delta($m0, $m, qw(pad_commits_refused_total badChangeset)), 1,
   'pad_commits_refused_total{badChangeset} +1');
is(delta($m0, $m, qw(pad_commits_refused_total readonly)), 1,
   'pad_commits_refused_total{readonly} +1');
is(delta($m0, $m, 'pad_chat_messages_total'), 1, 'pad_chat_messages_total '
   . '+1');
is(delta($m0, $m, qw(pad_commit_seconds count)), 5, 'pad_commit_seconds: '
   . 'one sample per acknowledged commit');
ok(delta($m0, $m, qw(pad_fanout_seconds count)) >= 4,
   'pad_fanout_seconds: a sample per revision fanned out');
# 4 revisions: ACCEPT_COMMIT to its writer, NEW_CHANGES to the 3 others
# (the 4th writer, disconnected later, and the read-only one joined after)
ok(delta($m0, $m, 'pad_revisions_delivered_total') >= 16,
   'pad_revisions_delivered_total counts every revision to every writer ('
   . delta($m0, $m, 'pad_revisions_delivered_total') . ')');

# a reader that opted in to batches stops reading, then reads a backlog
my $sid = poll_join($ng, $pad, optin => 1);
ok($sid, 'a polling reader joined');
my ($cv) = grep { ($_->{type} || '') eq 'CLIENT_VARS' } poll_messages($ng, $sid);
ok($cv, 'it got CLIENT_VARS');
ok(m_json()->{pad_sessions}{polling} >= 1, 'pad_sessions{polling} counts it');
my $w5 = pad_joined($ng, $pad, 't.' . ('v' x 20));
ok($w5, 'a writer at the head joined');
# more than the reader's queue (pad_send_queue_max 8k) takes
my $acked = 0;
for my $i (1 .. 40) {
    $acked++ if pad_insert($w5, sprintf("backlog line %02d with some words "
                                        . "to make it longer\n", $i))
                eq 'accepted';
}
is($acked, 40, 'forty backlog commits accepted');
my @got;
for (1 .. 20) {
    push @got, poll_messages($ng, $sid);
    last if grep { ($_->{data}{type} || '') eq 'NEW_CHANGES_BATCH' } @got;
}
ok((grep { ($_->{data}{type} || '') eq 'NEW_CHANGES_BATCH' } @got),
   'the reader got its backlog as NEW_CHANGES_BATCH');
$m = m_json();
ok(delta($m0, $m, 'pad_new_changes_batches_total') >= 1,
   'pad_new_changes_batches_total moved');
ok(delta($m0, $m, 'pad_batched_revisions_total') >= 2,
   'pad_batched_revisions_total counts the revisions inside');

# everything closes: the gauges go back
$_->{ws}->close for grep { $_ } @w, $ro, $w5;
Test::Pad::eio_poll_post($ng, $sid, '1');
ok(wait_until(sub {
    my $x = m_json();
    !$x->{pad_sessions}{websocket} && !$x->{pad_sessions}{polling}
    && !$x->{pad_pad_sessions}
}, 10), 'sessions back to 0 when every client left');
ok(wait_until(sub { !m_json()->{pad_queued_bytes} }, 10),
   'nothing queued any more');

# Redis restarts: the workers lose and regain it
my $r0 = m_json();
$redis->stop;
ok(wait_until(sub { (m_json()->{pad_redis_connected} // 1) == 0 }, 10),
   'pad_redis_connected drops to 0 while Redis is down');
ok($redis->start, 'redis restarted');
ok(wait_until(sub { (m_json()->{pad_redis_connected} // 0) == 2 }, 15),
   'and is 2 again after it came back');
ok(delta($r0, m_json(), 'pad_redis_reconnects_total') >= 2,
   'each worker counted its reconnections');

# Prometheus text of the same, accepted by promtool
my $text = http_get($ng, '/status')->{body};
my $f = tmpdir('prom') . '/m.txt';
open my $fh, '>', $f or die;
print $fh $text;
close $fh;
my $lint = `promtool check metrics < "$f" 2>&1`;
is($?, 0, 'promtool check metrics accepts the page') or diag($lint);

$ng->stop;
