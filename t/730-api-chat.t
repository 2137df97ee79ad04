# The HTTP API's chat: appendChatMessage (stored, and sent as Etherpad's
# CHAT_MESSAGE to the live clients on two nginx instances, with the
# author's name), getChatHistory with Etherpad's rules for start and end
# (truth of the strings, string comparisons, the range from the key
# "start" on while below Number(end + "1")), the "time" kept as the given
# string when isInt() holds, pad_api_chat_max.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_send
                         pad_recv_until);
use Test::More;
use Test::Pad::API;
use Time::HiRes qw(time);

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');

my $key = 'chatkey0123456789';
my $kf = api_key_file($key);

my @ng = map {
    engine_nginx(redis_port => $redis->port, workers => 2,
        http => "pad_api_key_file $kf;\n"
                . ($_ == 2 ? "pad_api_chat_max 5;\n" : ''),
        server => "location /api { pad_api; }\n")
        or die "nginx did not start\n"
} 1 .. 2;


sub api {
    my ($fn, $q, %o) = @_;
    return scalar api_call($o{ng} || $ng[0], $key, $fn, $q,
                           version => $o{version});
}

sub user { (msg => { userInfo => { name => $_[0], colorId => '#123456' } }) }

sub chat_msg {
    my ($c) = @_;
    my ($m) = pad_recv_until($c->{ws}, sub {
        ($_[0]{data}{type} // '') eq 'CHAT_MESSAGE' }, 5);
    return $m && $m->{data}{message};
}

my $PAD = 'apichat';
my $a = pad_joined($ng[0], $PAD, 't.' . 'a' x 20, user('Alice'))
    or die "a\n";
my $b = pad_joined($ng[1], $PAD, 't.' . 'b' x 20, user('Bob'))
    or die "b\n";
is(pad_insert($a, "x\n"), 'accepted', 'Alice types');

my $j = api('getChatHead', { padID => $PAD });
is_deeply($j->{data}, { chatHead => -1 }, 'getChatHead before the first '
          . 'message: -1');
$j = api('getChatHistory', { padID => $PAD });
is_deeply($j, { code => 1, data => undef,
                message => 'start is higher than the current chatHead' },
          'getChatHistory of no chat: Etherpad\'s 0 > chatHead -1');

# --- appendChatMessage ---------------------------------------------------

$j = api('appendChatMessage', { padID => $PAD, authorID => $a->{id} });
is_deeply($j, { code => 1, message => 'text is not a string', data => undef },
          'no text');
$j = api('appendChatMessage', { padID => 'nosuchpad', text => 'x',
                                authorID => $a->{id} });
is($j->{message}, 'padID does not exist', 'no such pad');
$j = api('appendChatMessage', { padID => 'a$b', text => 'x' });
is($j->{message}, 'padID did not match requirements', 'an invalid padID');
$j = api('appendChatMessage', { padID => $PAD, text => 'x' },
         version => '1.2.11');
is($j->{code}, 3, 'appendChatMessage is not in 1.2.11');

my $ts = int(time * 1000) - 86400000;
$j = api('appendChatMessage', { padID => $PAD, text => 'blalblalbha',
                                authorID => $a->{id}, time => $ts });
is_deeply($j, { code => 0, message => 'ok', data => undef },
          'appendChatMessage(padID, text, authorID, time)');

for my $c ([$a, 'Alice, instance 1'], [$b, 'Bob, instance 2']) {
    my $m = chat_msg($c->[0]);
    is_deeply($m, { text => 'blalblalbha', time => "$ts",
                    userId => $a->{id}, userName => 'Alice' },
              "$c->[1]: CHAT_MESSAGE with the author's name, the time as "
              . 'the string given');
    ok($m && !ref $m->{time} && $m->{time} =~ /^\d+$/
       && Test::Pad::json_encode([$m->{time}]) eq "[\"$ts\"]",
       '... a JSON string, as Etherpad keeps it');
}

$j = api('getChatHead', { padID => $PAD });
is_deeply($j->{data}, { chatHead => 0 }, 'getChatHead: 0');

$j = api('getChatHistory', { padID => $PAD }, ng => $ng[1]);
is_deeply($j, { code => 0, message => 'ok',
                data => { messages => [ { text => 'blalblalbha',
                                          time => "$ts",
                                          userId => $a->{id},
                                          userName => 'Alice' } ] } },
          'getChatHistory: text, time, userId, userName');

# a client's own message reaches the other instance with its name

pad_send($b->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'CHAT_MESSAGE',
                               message => { text => 'from Bob' } } });
my $m = chat_msg($a);
is($m && $m->{userName}, 'Bob', 'a client\'s CHAT_MESSAGE on instance 2 '
   . 'reaches Alice on instance 1 with Bob\'s name');
$m = chat_msg($b);
is($m && $m->{text}, 'from Bob', '... and Bob');
ok($m && $m->{time} =~ /^\d+$/
   && abs($m->{time} - time * 1000) < 60000, '... at Redis\'s time');

# times: isInt(time) keeps the string, anything else is now

my $before = int(time * 1000) - 1000;
for my $t (['abc', 0], ['1.5', 0], ['12abc', 0], ['', 0], [' 12', 1],
           ['1.0', 1], ['0x10', 0], ['0x0', 1], ['1e3', 0]) {
    $j = api('appendChatMessage', { padID => $PAD, text => "t=$t->[0]",
                                    authorID => $b->{id}, time => $t->[0] });
    is($j->{code}, 0, "appendChatMessage time '$t->[0]'");
    $m = chat_msg($a);
    if ($t->[1]) {
        is($m && $m->{time}, $t->[0], '... kept as the string');
    } else {
        ok($m && $m->{time} =~ /^\d+$/ && $m->{time} >= $before,
           '... not an integer to isInt(): now');
    }
}
$j = api('appendChatMessage', { padID => $PAD, text => 'no author' });
is($j->{code}, 0, 'appendChatMessage without authorID');
$m = chat_msg($a);
is_deeply([ $m && $m->{userId}, $m && $m->{userName} ], [ '', undef ],
          '... no author, no name');

$j = api('getChatHead', { padID => $PAD });
my $head = $j->{data}{chatHead};
is($head, 11, 'getChatHead: 11');

# --- getChatHistory's start and end ---------------------------------------

sub nums {
    my ($q, %o) = @_;
    my $j = api('getChatHistory', { padID => $PAD, %$q }, %o);
    return $j->{code} ? $j->{message}
        : join ',', map { $_->{text} } @{ $j->{data}{messages} };
}

my @texts = ('blalblalbha', 'from Bob',
             map({ "t=$_" } 'abc', '1.5', '12abc', '', ' 12', '1.0', '0x10',
                 '0x0', '1e3'), 'no author');
sub texts { join ',', @texts[@_] }

is(nums({}), texts(0 .. 11), 'no start, no end: the whole chat');
is(nums({ start => 0 }), texts(0 .. 11), 'start only: the whole chat');
is(nums({ start => '', end => 3 }), texts(0 .. 11),
   'an empty start is false: the whole chat');
is(nums({ start => 0, end => 0 }), texts(0), 'start 0, end 0: "0" is true');
is(nums({ start => 3, end => 4 }), texts(3 .. 11),
   'start 3, end 4: Etherpad reads up to Number("4" + "1") - 1 = 40');
is(nums({ start => 0, end => 1 }), texts(0 .. 10),
   'start 0, end 1: up to 10 ("11")');
is(nums({ start => 5, end => 5 }), texts(5 .. 11), 'start 5, end 5');
is(nums({ start => '01', end => 3 }), texts(2 .. 11),
   'start "01": the key "01" is none, then 2 ...');
is(nums({ start => 'x', end => 'y' }), '', 'start x, end y: none');
is(nums({ start => '1.5', end => 3 }), '', 'start 1.5: none');
is(nums({ start => 2, end => 10 }), 'start is higher than end',
   'start 2, end 10: "2" > "10" as strings');
is(nums({ start => -1, end => 2 }), 'start is below zero', 'start -1');
is(nums({ start => 1, end => -1 }), 'end is below zero', 'end -1');
is(nums({ start => 12, end => 13 }),
   'start is higher than the current chatHead', 'start 12 > chatHead');
is(nums({ start => 1, end => 20 }),
   'end is higher than the current chatHead', 'end 20 > chatHead');
is(nums({}, version => '1.2.1'), 'no such function',
   'getChatHistory is not in 1.2.1');
is(nums({ start => 0, end => 0 }, version => '1.2.7'), texts(0),
   '... but in 1.2.7');
my $r = http_get($ng[0], "/api/1.3.0/getChatHistory?apikey=$key&padID=nosuch");
is(Test::Pad::json_decode($r->{body})->{message}, 'padID does not exist',
   'getChatHistory of no pad');

# pad_api_chat_max 5 on instance 2
is(nums({}, ng => $ng[1]), 'more chat messages than pad_api_chat_max',
   'pad_api_chat_max: 12 messages asked, 5 allowed');
is(nums({ start => 0, end => 0 }, ng => $ng[1]), texts(0),
   '... 1 is');

# more than one store read (1000 a read)
my $n = 1003;
$redis->client->eval("for i = 12, $n + 11 do redis.call('HSET', KEYS[1], i, "
    . "'{\"type\":\"chat\",\"n\":' .. i .. ',\"text\":\"m' .. i .. '\","
    . "\"authorId\":\"" . $a->{id} . "\",\"time\":1}') end "
    . "redis.call('HSET', KEYS[2], 'chat_next', $n + 12) return 1", 2,
    "ngxpad:{$PAD}:chat", "ngxpad:{$PAD}:meta");
$j = api('getChatHistory', { padID => $PAD });
is(scalar @{ $j->{data}{messages} || [] }, $n + 12,
   "getChatHistory of " . ($n + 12) . " messages (two store reads)");
is_deeply($j->{data}{messages}[-1], { text => 'm' . ($n + 11), time => 1,
                                      userId => $a->{id},
                                      userName => 'Alice' },
          '... the last one');

# --- Redis down ---------------------------------------------------------

$redis->stop;
$j = api('appendChatMessage', { padID => $PAD, text => 'x' });
is($j->{code}, 2, 'Redis down: code 2');

$_->stop for @ng;
for (@ng) {
    unlike($_->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
}
