# Presence and chat across nginx instances sharing one Redis: users on
# another instance appear (USER_NEWINFO both ways), their updates and
# their leaving are seen, chat reaches everyone.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_joined);

my $redis = start_redis() or die('redis-server did not start' . "\n");
my @ng = map { engine_nginx(redis_port => $redis->port)
               or die('nginx did not start' . "\n") } 1 .. 2;
my $PAD = 'presence';

# pad_joined() options: CLIENT_READY of a user called $name
sub user { (msg => { userInfo => { name => $_[0], colorId => '#123456' } }) }

sub wait_collab {
    my ($c, $pred) = @_;
    my ($m) = pad_recv_until($c->{ws}, sub {
        $_[0]{data} && $pred->($_[0]{data}) }, 5);
    return $m && $m->{data};
}

my $a = pad_joined($ng[0], $PAD, 't.aaaaaaaaaaaaaaaaaaaa', user('Alice'))
    or die('a' . "\n");
my $b = pad_joined($ng[1], $PAD, 't.bbbbbbbbbbbbbbbbbbbb', user('Bob'))
    or die('b' . "\n");

my $m = wait_collab($a, sub { $_[0]{type} eq 'USER_NEWINFO'
                              && $_[0]{userInfo}{userId} eq $b->{id} });
ok($m && $m->{userInfo}{name} eq 'Bob', 'Alice (instance 1) sees Bob join '
   . '(instance 2)');
$m = wait_collab($b, sub { $_[0]{type} eq 'USER_NEWINFO'
                           && $_[0]{userInfo}{userId} eq $a->{id} });
ok($m && $m->{userInfo}{name} eq 'Alice', 'Bob is told Alice is here');

pad_send($b->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'USERINFO_UPDATE',
                               userInfo => { name => 'Robert',
                                             colorId => '#abcdef' } } });
$m = wait_collab($a, sub { $_[0]{type} eq 'USER_NEWINFO'
                           && ($_[0]{userInfo}{name} // '') eq 'Robert' });
ok($m && $m->{userInfo}{colorId} eq '#abcdef', 'the update crosses over');

pad_send($a->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'CHAT_MESSAGE',
                               message => { text => "hi \x{e9}" } } });
for my $c ([$a, 'Alice'], [$b, 'Bob']) {
    $m = wait_collab($c->[0], sub { $_[0]{type} eq 'CHAT_MESSAGE' });
    ok($m && $m->{message}{userId} eq $a->{id}, "chat reaches $c->[1]");
}

# CLIENT_MESSAGE suggestUserName reaches the unnamed author elsewhere
pad_send($a->{ws}, { type => 'COLLABROOM', component => 'pad',
                     data => { type => 'CLIENT_MESSAGE',
                               payload => { type => 'suggestUserName',
                                            unnamedId => $b->{id},
                                            newName => 'Bobby' } } });
$m = wait_collab($b, sub { $_[0]{type} eq 'CLIENT_MESSAGE' });
ok($m && $m->{payload}{newName} eq 'Bobby', 'suggestUserName forwarded '
   . 'to the other instance');

# the same author joins on the other instance: userdup for the old socket
my $a2 = pad_joined($ng[1], $PAD, 't.aaaaaaaaaaaaaaaaaaaa', user('Alice'));
is($a2 && $a2->{id}, $a->{id}, 'same token, same author on instance 2');
my ($dup) = pad_recv_until($a->{ws}, sub { $_[0]{disconnect} }, 5);
is($dup && $dup->{disconnect}, 'userdup',
   'the older socket on instance 1 gets userdup');
$a = $a2;

$b->{ws}->close;
$m = wait_collab($a, sub { $_[0]{type} eq 'USER_LEAVE' });
ok($m && $m->{userInfo}{userId} eq $b->{id}, 'Alice sees Bob leave');

$_->stop for @ng;
