# Sentinel failover under writers (pad_redis_sentinel): a master, two
# replicas and three sentinels on loopback; the worker asks the sentinels
# for the master, connects there, and when the master is SIGKILLed and
# the sentinels promote a replica it follows (+switch-master, or asking
# again after the connection failed).  Writers keep editing across the
# failover (a commit in flight when the master died is refused with
# "unavailable", never acknowledged; the writer joins again); every
# acknowledged edit is in the final text, and a reader that stayed
# connected got every revision once, in order.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_join pad_insert);
use Test::Pad::Sentinel;
use Time::HiRes qw(time sleep);

my $set = Test::Pad::Sentinel->start(replicas => 2, sentinels => 3);
my $old = $set->master_port;
ok($old, "the sentinels name the master ($old)");

my $ng = $set->nginx(workers => 1)
    or die("nginx did not start\n");
ok($ng->wait_log(qr/master "padmaster" is 127\.0\.0\.1:$old \(from/, 10),
   'the worker asked the sentinels');
ok($ng->wait_log(qr/pub\/sub connection to padmaster ready/, 10),
   'both connections to the master are ready');

# a writer per pad (pad_insert() tracks its own revisions only)
my @PAD = ('failover0', 'failover1');
my @tok = ('t.aaaaaaaaaaaaaaaaaaaa', 't.bbbbbbbbbbbbbbbbbbbb');
my @w = map { pad_join($ng, $PAD[$_], $tok[$_]) } 0, 1;
ok(defined $w[0]{rev} && defined $w[1]{rev}, 'two writers joined');
my $r = pad_join($ng, $PAD[0], 't.rrrrrrrrrrrrrrrrrrrr');
ok(defined $r->{rev}, 'a reader joined');
my $r0 = $r->{rev};

my (%acked, @acked, %refused);
my $n = 0;
sub edit {
    my ($i) = @_;
    my $s = 'W' . $i . 'e' . ++$n . ' ';
    my $res = pad_insert($w[$i], $s);
    if ($res eq 'accepted') {
        push @acked, $s;
        push @{ $acked{$i} }, $s;
        return 1;
    }
    $refused{$res}++;
    # the writer joins again, as Etherpad's client does after a disconnect
    for (1 .. 50) {
        my $c = pad_join($ng, $PAD[$i], $tok[$i]);
        if ($c && defined $c->{rev}) { $w[$i] = $c; last }
        sleep 0.2;
    }
    return 0;
}

for (1 .. 10) { edit($_ % 2) }
is(scalar @acked, 10, 'ten edits acknowledged before the failover');

my $mark = $ng->log_mark;
kill 'KILL', $set->node($old)->{pid};
my $t0 = time;
my $after = 0;
my $new;
while (time - $t0 < 40) {
    edit($n % 2);
    $new ||= $set->wait_master_not($old, 0.01);
    $after++ if $new && @acked && $acked[-1] =~ /e$n /;
    last if $after >= 10;
}
ok($new, "the sentinels promoted a replica ($new)");
ok($after >= 10, 'edits are acknowledged again after the failover')
    or diag("refused: @{[ %refused ]}");
like($ng->log_since($mark), qr/master "padmaster" is 127\.0\.0\.1:$new now/,
     'the worker follows the new master');
unlike($ng->log_since($mark), qr/\[(?:alert|crit)\]/, 'no alert');
diag("acknowledged " . scalar(@acked) . ", refused: "
     . join(', ', map { "$_ $refused{$_}" } sort keys %refused));

# the reader: every revision once, in order
my @revs;
my $head = $w[0]{rev};
for (1 .. 400) {
    my $m = pad_recv($r->{ws}, 3) or last;
    push @revs, $m->{data}{newRev}
        if ($m->{data}{type} || '') eq 'NEW_CHANGES';
    last if @revs && $revs[-1] >= $head;
}
is_deeply(\@revs, [ $r0 + 1 .. $head ],
          'the reader got every revision once, in order')
    or diag("@revs");

for my $i (0, 1) {
    my $text = pad_text($ng, $PAD[$i]);
    my @missing = grep { index($text, $_) < 0 } @{ $acked{$i} || [] };
    is(scalar @missing, 0, "$PAD[$i]: export/txt has every acknowledged "
       . 'edit') or diag("missing: @missing");

    # the new master holds revisions 0..head, none missing
    my @have = split /\n/, $set->cli($new, undef, 'HKEYS',
                                     "ngxpad:{$PAD[$i]}:revs");
    my %have = map { $_ => 1 } @have;
    my $top = $w[$i]{rev};
    is(scalar(grep { !$have{$_} } 0 .. $top), 0,
       "$PAD[$i]: the new master holds revisions 0..$top");
}

$ng->stop;
