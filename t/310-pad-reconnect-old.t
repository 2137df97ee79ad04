# A reconnect from a revision older than the worker's revision window
# (pad_revisions_window 10): the missed revisions are read from Redis,
# then from the window, every one once and in order; the cursor ends at
# the head and the next commit is accepted.  A changeset still based on
# the old revision (a client re-sending what it had pending) is rebased
# over revisions read from Redis too, and accepted.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT b36 pad_join);

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port,
                      http => "pad_revisions_window 10;\n")
    or die('nginx did not start' . "\n");
my $PAD = 'oldrec';

my $wc = pad_join($ng, $PAD, 't.wwwwwwwwwwwwwwwwwwww');
my $w = $wc->{ws};
my ($rev, $len) = @$wc{qw(rev len)};
my $len2;

for my $i (1 .. 30) {
    pad_send($w, { type => 'COLLABROOM', component => 'pad',
                   data => { type => 'USER_CHANGES', baseRev => $rev,
                             changeset => 'Z:' . b36($len) . '>1+1$x',
                             apool => {} } });
    my ($acc) = pad_recv_until($w, sub {
        ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' });
    last unless $acc && $acc->{data}{newRev} == $rev + 1;
    $rev++;
    $len++;
    $len2 = $len if $rev == 2;
}
is($rev, 30, '30 commits');

my $r = pad_join($ng, $PAD, 't.rrrrrrrrrrrrrrrrrrrr', no_wait => 1,
                 msg => { reconnect => Cpanel::JSON::XS::true(),
                          client_rev => 2 })->{ws};
my @got;
for (1 .. 40) {
    my $m = pad_recv($r, 3) or last;
    next unless ($m->{data}{type} || '') eq 'CLIENT_RECONNECT';
    push @got, $m->{data}{newRev};
    last if $m->{data}{newRev} == $m->{data}{headRev};
}
is_deeply(\@got, [ 3 .. 30 ], 'CLIENT_RECONNECT 3..30 (old ones from Redis)');

pad_send($r, { type => 'COLLABROOM', component => 'pad',
               data => { type => 'USER_CHANGES', baseRev => 30,
                         changeset => 'Z:' . b36($len) . '>1+1$y',
                         apool => {} } });
my ($acc) = pad_recv_until($r, sub {
    ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' || $_[0]{disconnect} });
is($acc && $acc->{data}{newRev}, 31, 'the next commit is accepted');

my $before = pad_text($ng, $PAD);
pad_send($r, { type => 'COLLABROOM', component => 'pad',
               data => { type => 'USER_CHANGES', baseRev => 2,
                         changeset => 'Z:' . b36($len2) . '>1=1+1$Q',
                         apool => {} } });
($acc) = pad_recv_until($r, sub {
    ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' || $_[0]{disconnect} });
is($acc && $acc->{data}{newRev}, 32,
   'a changeset on revision 2 (older than the window) is accepted');
my $after = pad_text($ng, $PAD);
(my $without = $after) =~ s/Q//;
is(($after =~ tr/Q//), 1, 'the pad has the "Q" once');
is($without, $before, 'and is otherwise unchanged');
$ng->stop;
