# Soak: Redis loses its data set again and again under mixed load, and no
# acknowledged edit is ever lost.  Two nginx instances A and B (two
# workers each) on one Redis without persistence; 4 pads, each with
# writers on both instances and one reader (on A or B).  Every round: load,
# then a wipe (Redis restarted empty with B reloaded at once, Redis
# restarted empty, or FLUSHALL), more load, then the writers stop and each
# pad must export, on both instances, the same text holding every edit any
# writer had acknowledged (ACCEPT_COMMIT) since the start.
#
#   make soak-redis-lost          (or: prove -v soak/redis-lost.t)
#
# SOAK_ROUNDS (50), SOAK_SEED, SOAK_PACE (seconds between a writer's
# edits, 0.05), SOAK_WRITERS (writers per instance and pad, 2),
# SOAK_GRACE (pad_redis_lost_grace in seconds, 3), SOAK_KEEP_GOING=1 (go
# on after a failed round; by default the soak stops there).
BEGIN {
    $ENV{TEST_PAD_FILE_TIMEOUT} ||= 120 + 60 * ($ENV{SOAK_ROUNDS} || 50);
}
use FindBin; use lib "$FindBin::Bin/../t/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_client pad_drive pad_idle pad_settle
                         pad_missing pad_acked show_lines log_warn_lines);
use List::Util qw(sum0 shuffle);
use Time::HiRes qw(time sleep);

my $ROUNDS = $ENV{SOAK_ROUNDS} || 50;
my $SEED = $ENV{SOAK_SEED} // int(rand 1e6);
my $PACE = $ENV{SOAK_PACE} // 0.05;
my $NW = $ENV{SOAK_WRITERS} || 2;
my $GRACE = $ENV{SOAK_GRACE} // 3;
my $KEEP_GOING = $ENV{SOAK_KEEP_GOING} || 0;
my $NPADS = 4;
srand $SEED;
diag("soak: $ROUNDS rounds, seed $SEED, $NPADS pads, $NW writers per "
     . "instance and pad, pace ${PACE}s, grace ${GRACE}s");

my $redis = start_redis(args => [ '--save', '', '--appendonly', 'no' ])
    or die('redis-server did not start' . "\n");

my $HAS_GRACE;
sub instance {
    my ($name) = @_;
    my %o = (redis_port => $redis->port, workers => 2,
             listen_opts => 'reuseport', quiet => 1);
    if ($HAS_GRACE // 1) {
        my $ng = engine_nginx(%o,
                              http => "pad_redis_lost_grace ${GRACE}s;\n");
        if ($ng) { $HAS_GRACE = 1; return $ng }
        diag("instance $name: nginx did not start with pad_redis_lost_grace"
             . ' (unknown directive?); going on without it');
        $HAS_GRACE = 0;
    }
    return engine_nginx(%o) || die("nginx $name did not start\n");
}

my @ng = (instance('A'), instance('B'));
ok($HAS_GRACE, 'nginx accepts pad_redis_lost_grace');
my @NAMES = ('A', 'B');

my (@pads, @writers, @all);
for my $p (1 .. $NPADS) {
    my $pad = "soak$p-$$";
    my @c;
    for my $i (0, 1) {
        for my $w (1 .. $NW) {
            push @c, pad_client($ng[$i], $pad, name => "p$p$NAMES[$i]$w",
                                writer => 1, pace => $PACE,
                                join_timeout => $GRACE + 15);
        }
    }
    my @w = @c;
    push @c, pad_client($ng[$p % 2], $pad, name => "p${p}r$NAMES[$p % 2]",
                        join_timeout => $GRACE + 15);
    push @pads, { pad => $pad, clients => \@c, writers => \@w };
    push @writers, @w;
    push @all, @c;
}
ok(pad_drive(\@all, sub { !grep { $_->{state} ne 'ready' } @all },
             $GRACE + 20), scalar(@all) . ' clients joined the '
   . "$NPADS pads") or diag(report(grep { $_->{state} ne 'ready' } @all));

sub report {
    return join "\n", map {
        sprintf '%s: %s rev %s, %d acked, %d unacked, %d joins, last '
            . 'close %s, timeouts %d%s, errors %d%s', $_->{name},
            $_->{state}, $_->{rev} // '-', scalar @{ $_->{acked} },
            scalar @{ $_->{unacked} }, $_->{joins},
            (@{ $_->{closes} } ? $_->{closes}[-1][1] : '-'),
            scalar @{ $_->{timeouts} },
            (@{ $_->{timeouts} } ? " (last: $_->{timeouts}[-1])" : ''),
            scalar @{ $_->{errors} },
            (@{ $_->{errors} } ? " (last: $_->{errors}[-1])" : '')
    } @_;
}

my @KINDS = ('restart, B reloaded', 'restart', 'flushall');
my $failed = 0;
my $T0 = time;

for my $round (1 .. $ROUNDS) {
    my $t0 = time;
    my $kind = $KINDS[ ($round - 1) % @KINDS ];
    my @marks = map { $_->log_mark } @ng;
    my $n0 = pad_acked(@writers);
    my %joins0 = map { $_->{name} => $_->{joins} } @all;
    my $unacked0 = sum0 map { scalar @{ $_->{unacked} } } @writers;

    $_->{edits_left} = 1e9 for @writers;
    pad_drive(\@all, undef, 0.5 + rand 1);

    my $nw = pad_acked(@writers);
    my $tw = time;
    if ($kind eq 'flushall') {
        my $out = `redis-cli -p @{[ $redis->port ]} flushall 2>&1`;
        diag("round $round: redis-cli flushall: $out") if $out !~ /OK/;
    } else {
        $redis->stop;
        $redis->start or die("round $round: redis-server did not restart\n");
        $ng[1]->reload if $kind =~ /reloaded/;
    }
    my $twipe = time - $tw;

    my ($first, $post) = (undef, 1.5 + rand 1.5);
    pad_drive(\@all, sub {
        $first //= time - $tw if pad_acked(@writers) > $nw;
        time - $tw > $post;
    }, $post + 1);

    # writers stop; what is in flight is acknowledged or given up
    $_->{edits_left} = 0 for @writers;
    my $td = time;
    my $idle = pad_drive(\@all, sub { pad_idle(@all) }, 25);
    my $tdrain = time - $td;

    my $ts = time;
    my (@missing, @unequal, @diverged, $settled, @nmiss);
    @nmiss = (0, 0);
    $settled = 0;
    for my $p (@pads) {
        my ($ok, $ex) = pad_settle(clients => $p->{clients}, ngs => \@ng,
                                   pad => $p->{pad}, timeout => 15);
        $settled++ if $ok;
        for my $i (0, 1) {
            my @m = pad_missing($ex->[$i], @{ $p->{writers} });
            $nmiss[$i] += @m;
            push @missing, map { "$p->{pad} on $NAMES[$i]: $_" } @m;
        }
        push @unequal, sprintf('%s: A %s, B %s chars', $p->{pad},
                               map { defined $_ ? length $_ : 'no text' }
                               @$ex)
            unless defined $ex->[0] && defined $ex->[1]
                   && $ex->[0] eq $ex->[1];
        push @diverged, map { "$_->{name} (rev $_->{rev})" }
                        grep { $_->{state} eq 'ready' && defined $ex->[0]
                               && $_->{text} ne $ex->[0] }
                        @{ $p->{clients} };
    }
    my $tsettle = time - $ts;
    my $n = pad_acked(@writers);
    my $ok1 = is(scalar @missing, 0, "round $round ($kind): of $n "
                 . 'acknowledged edits (' . ($n - $n0) . ' this round), '
                 . "$nmiss[0] missing from export/txt on A, $nmiss[1] on B");
    diag("missing:\n" . show_lines(@missing)) unless $ok1;
    my $ok2 = is(scalar @unequal, 0, "round $round ($kind): A and B export "
                 . "the same text for the $NPADS pads");
    diag(show_lines(@unequal)) unless $ok2;

    my @warn = map { scalar log_warn_lines($ng[$_], $marks[$_]) } 0, 1;
    for my $i (0, 1) {
        # a few lines per pad and worker; a retry loop would log thousands
        next if ok($warn[$i] <= 200, "round $round ($kind): "
                   . ('A', 'B')[$i] . " logged $warn[$i] lines at [warn] or "
                   . 'above (at most 200)');
        my %c;
        for (log_warn_lines($ng[$i], $marks[$i])) {
            (my $k = $_) =~ s/^\S+ \S+ //;
            $k =~ s/\d+/N/g;
            $c{$k}++;
        }
        diag("$c{$_} x $_")
            for grep { defined } (sort { $c{$b} <=> $c{$a} } keys %c)[0 .. 5];
    }
    my $rejoins = sum0 map { $_->{joins} - $joins0{ $_->{name} } } @all;
    my $unacked = (sum0 map { scalar @{ $_->{unacked} } } @writers)
                  - $unacked0;
    my @errs = map { my $c = $_; map { "$c->{name}: $_" } @{ $c->{errors} } }
               @all;
    diag(sprintf 'round %d (%s): %.1fs; wipe %.2fs, first ack after it '
         . '%s, drain %.1fs%s, settle %.1fs (%d/%d pads); %d acked, %d '
         . 'unacked, %d rejoins; clients differing from export %d, '
         . 'client errors so far %d; [warn]+ lines A %d B %d',
         $round, $kind, time - $t0, $twipe,
         defined $first ? sprintf('%.2fs', $first) : 'none', $tdrain,
         $idle ? '' : ' (NOT idle)', $tsettle, $settled, $NPADS, $n - $n0,
         $unacked, $rejoins, scalar @diverged, scalar @errs, @warn);
    diag('clients differing from export/txt: ' . join ', ', @diverged)
        if @diverged;
    if (!($ok1 && $ok2)) {
        $failed++;
        diag(report(@all));
        if (!$KEEP_GOING) {
            diag("soak stopped after round $round (SOAK_KEEP_GOING=1 goes "
                 . 'on)');
            last;
        }
    }
}

my @errs = map { my $c = $_; map { "$c->{name}: $_" } @{ $c->{errors} } }
           @all;
diag(sprintf 'soak: %.0fs, %d acknowledged edits, %d client errors%s',
     time - $T0, pad_acked(@writers), scalar @errs,
     @errs ? ":\n" . show_lines(@errs) : '');
for my $c (@all) {
    $c->{rejoin} = 0;
    $c->drop_socket;
}
$_->stop for @ng;
$redis->stop;
