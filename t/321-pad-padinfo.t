# What CLIENT_VARS reads from Redis besides the pad itself, across two
# nginx instances with two workers each on one Redis:
# - numConnectedUsers counts the sockets already in the pad on every
#   worker of every instance (as Etherpad's room: the joiner not included),
#   and a socket that left stops counting;
# - SAVE_REVISION stores the head as a saved revision {revNum, savedById,
#   label, timestamp, id} once per revision (P{pad}:saved), refused on a
#   read-only pad; CLIENT_VARS lists them (savedRevisions) in the order
#   saved, on either instance.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT b36 pad_joined);
use Time::HiRes qw(sleep);

my $redis = start_redis() or die('redis-server did not start' . "\n");
my @ng = map { engine_nginx(redis_port => $redis->port, workers => 2)
               or die('nginx did not start' . "\n") } 1 .. 2;
my $PAD = 'padinfo';

# pad_joined(), then a moment for its worker's count to reach Redis
sub join_counted {
    my ($ng, $tok, $pad) = @_;
    my $c = pad_joined($ng, $pad || $PAD, $tok) or return;
    sleep 0.2;
    return $c;
}

sub tok { 't.' . ($_[0] x 20) }

# numConnectedUsers
my %c;
my @order = ([a => 0, 0], [b => 1, 1], [c => 0, 2], [d => 1, 3],
             [e => 0, 4]);
for my $o (@order) {
    my ($n, $i, $want) = @$o;
    $c{$n} = join_counted($ng[$i], tok($n));
    ok($c{$n}, "$n joined through instance " . ($i + 1)) or next;
    is($c{$n}{vars}{numConnectedUsers}, $want,
       "$n: numConnectedUsers $want");
}

$c{a}{ws}->close;
$c{b}{ws}->close;
sleep 0.5;
my $f = join_counted($ng[1], tok('f'));
is($f && $f->{vars}{numConnectedUsers}, 3,
   'after two left: numConnectedUsers 3 (c, d, e)');

# a read-only socket is in the pad too
my $ro = join_counted($ng[0], tok('r'), $c{c}{vars}{readOnlyId});
ok($ro && $ro->{vars}{readonly}, 'read-only socket joined');
is($ro && $ro->{vars}{numConnectedUsers}, 4, 'it counts c, d, e, f');
my $g = join_counted($ng[1], tok('g'));
is($g && $g->{vars}{numConnectedUsers}, 5, 'and is counted itself');

# SAVE_REVISION

my $w = $c{c};
my $rev = $w->{vars}{collab_client_vars}{rev};
my $len = changeset_len($w->{vars}{collab_client_vars}
                        {initialAttributedText}{text});
sub commit {
    pad_send($w->{ws}, { type => 'COLLABROOM', component => 'pad',
                         data => { type => 'USER_CHANGES', baseRev => $rev,
                                   changeset => 'Z:' . b36($len) . '>1+1$x',
                                   apool => {} } });
    my ($acc) = pad_recv_until($w->{ws}, sub {
        ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' });
    if ($acc) { $rev = $acc->{data}{newRev}; $len++ }
    return $acc;
}
sub save {
    my ($c, $ack) = @_;
    pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
                         data => { type => 'SAVE_REVISION' } }, $ack);
}

ok(commit() && commit(), 'two commits');
my $r1 = $rev;
save($w);
save($w);                       # the same revision again: kept once
ok(commit(), 'one more commit');
my $r2 = $rev;
save($c{d});

save($ro, 7);
my ($ack) = pad_recv_until($ro->{ws}, sub { defined $_[0]{ack} });
like($ack && $ack->{args}[0]{message}, qr/read-only/,
     'SAVE_REVISION on a read-only pad is refused');
sleep 0.5;

my $rc = $redis->client;
is($rc->hlen("ngxpad:{$PAD}:saved"), 2, 'two saved revisions in Redis');

for my $i (0, 1) {
    my $h = join_counted($ng[$i], tok("h$i"));
    my $sr = $h && $h->{vars}{savedRevisions};
    is(ref $sr eq 'ARRAY' && scalar @$sr, 2,
       'CLIENT_VARS savedRevisions on instance ' . ($i + 1));
    next unless ref $sr eq 'ARRAY' && @$sr == 2;
    is_deeply([ map { $_->{revNum} } @$sr ], [ $r1, $r2 ],
              'revNum of each, in the order saved');
    is_deeply([ map { $_->{savedById} } @$sr ], [ $w->{id}, $c{d}{id} ],
              'savedById: the author who saved it');
    is_deeply([ map { $_->{label} } @$sr ],
              [ "Revision $r1", "Revision $r2" ], 'label');
    ok(!grep({ $_->{timestamp} !~ /^\d{13}$/ || $_->{id} !~ /^[0-9a-f]{20}$/ }
             @$sr), 'timestamp (ms) and id (20 hex digits)');
    $h->{ws}->close;
}

$_->stop for @ng;
