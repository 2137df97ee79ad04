# Redis loses its data set (restarted without persistence) while two nginx
# instances A and B (two workers each) serve a pad that only A's workers
# hold, and a writer joins the pad through B right away (B reloaded, so its
# new workers reach the new Redis at once).
#
# Order 1 (A restores first): for pad_redis_lost_grace after Redis's data
# set was (re)initialised, a pad Redis lacks is not created: B's join waits
# until A's worker has written the pad back, so B's writer starts from
# every edit A acknowledged.  Once as in the report (nothing paused), once
# with A's workers stopped for a second so that B's join certainly comes
# first.
#
# Order 2 (B creates first): B has pad_redis_lost_grace 0 and A's workers
# are stopped until B's writer made acknowledged edits on the pad B created
# anew.  When A comes back, the pad becomes A's history plus B's edits as a
# new revision on top; B's writer is disconnected and joins again, A's
# clients keep their sockets and get the merged revision.
#
# Every writer sends one USER_CHANGES at a time (a unique marker word) and
# counts an edit only on ACCEPT_COMMIT; no acknowledged edit may be lost,
# both instances must export the same text, every client's own text must
# equal it, and the error logs stay short (at most 20 lines at [warn] or
# above per instance after the wipe, no [alert] or [crit]).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_client pad_drive pad_idle pad_settle
                         pad_missing pad_acked show_lines pause_workers
                         resume_workers log_warn_lines);
use List::Util qw(sum0 max);
use Time::HiRes qw(time sleep);

my $GRACE = 3;          # pad_redis_lost_grace of the instances (seconds)
my $A_EDITS = 20;       # per writer on A before the wipe (3 writers)
my $T_FILE = time;

my $redis = start_redis(args => [ '--save', '', '--appendonly', 'no' ])
    or die('redis-server did not start' . "\n");

my $HAS_GRACE;

sub instance {
    my ($name, $grace) = @_;
    my %o = (redis_port => $redis->port, workers => 2,
             listen_opts => 'reuseport', quiet => 1);
    if ($HAS_GRACE // 1) {
        my $ng = engine_nginx(%o, http => "pad_redis_lost_grace $grace;\n");
        if ($ng) {
            $HAS_GRACE = 1;
            return $ng;
        }
        diag("instance $name: nginx did not start with "
             . "\"pad_redis_lost_grace $grace;\" (unknown directive?); "
             . 'going on without it');
        $HAS_GRACE = 0;
    }
    return engine_nginx(%o) || die("nginx $name did not start\n");
}

sub client_report {
    return join "\n", map {
        my $c = $_;
        sprintf('%s: %s rev %s, %d acked, %d unacked, %d joins, '
                . 'closes [%s], timeouts [%s], errors [%s]', $c->{name},
                $c->{state}, $c->{rev} // '-', scalar @{ $c->{acked} },
                scalar @{ $c->{unacked} }, $c->{joins},
                join('; ', map { $_->[1] } @{ $c->{closes} }),
                join('; ', @{ $c->{timeouts} }[0 .. ($#{ $c->{timeouts} } > 4
                                            ? 4 : $#{ $c->{timeouts} })]),
                join('; ', @{ $c->{errors} }[0 .. ($#{ $c->{errors} } > 4
                                          ? 4 : $#{ $c->{errors} })]))
    } @_;
}

# A's writers and a reader on A make $A_EDITS acknowledged edits each
sub start_on_a {
    my ($label, $A, $pad, $v) = @_;
    my @aw = map { pad_client($A, $pad, name => "A$_", tag => "${v}A$_",
                              writer => 1, edits_left => $A_EDITS,
                              join_timeout => $GRACE + 15) } 1 .. 3;
    my $ar = pad_client($A, $pad, name => 'Ar', join_timeout => $GRACE + 15);
    my @c = (@aw, $ar);
    pad_drive(\@c, sub { pad_idle(@c) }, $GRACE + 25);
    my $n = pad_acked(@aw);
    is($n, 3 * $A_EDITS, "$label: A's 3 writers made $n acknowledged edits "
       . '(ACCEPT_COMMIT) before the wipe') or diag(client_report(@c));
    my $head = max map { $_->{rev} // -1 } @aw;
    ok(pad_drive(\@c, sub { ($ar->{rev} // -1) >= $head }, 5),
       "$label: A's reader is at the head ($head) before the wipe");
    return (\@aw, $ar, $head);
}

sub wipe {
    my ($label, $B) = @_;
    $redis->stop;
    ok($redis->start, "$label: Redis restarted, empty");
    my @old = $B->reload;
    # a connection must not reach an old worker (it would close it, 1001)
    ok($B->wait_exit(\@old, 10) && scalar($B->worker_pids) >= 2,
       "$label: B reloaded (new workers, the old ones gone)");
}

sub final_checks {
    my ($label, $clients, $writers, $ngs, $marks, $ex) = @_;
    my @names = ('A', 'B');
    my $total = pad_acked(@$writers);
    my $per = join ', ', map { "$_->{name} " . scalar @{ $_->{acked} } }
                         @$writers;
    ok(defined $ex->[0] && defined $ex->[1] && $ex->[0] eq $ex->[1],
       "$label: export/txt on A and on B are equal")
        or diag(sprintf "export/txt lengths: A %s, B %s",
                map { defined $_ ? length $_ : 'none' } @$ex);
    for my $i (0, 1) {
        my @miss = pad_missing($ex->[$i], @$writers);
        is(scalar @miss, 0, "$label: export/txt on $names[$i]: "
           . scalar(@miss) . " of $total acknowledged edits lost ($per)")
            or diag("missing from $names[$i]'s export/txt:\n"
                    . show_lines(@miss) . "\nexport starts: "
                    . substr($ex->[$i] // '(none)', 0, 200));
    }
    my @live = grep { $_->{state} eq 'ready' } @$clients;
    my @bad = grep { !defined $ex->[0] || $_->{text} ne $ex->[0] } @live;
    is(scalar @bad, 0, "$label: the text of each of the " . scalar(@live)
       . ' connected clients equals export/txt (' . scalar(@bad)
       . ' differ)') or diag(client_report(@bad));
    is(scalar(@live), scalar(@$clients), "$label: every client is in the "
       . 'pad at the end') or diag(client_report(@$clients));
    my @err = map { my $c = $_; map { "$c->{name}: $_" } @{ $c->{errors} } }
              @$clients;
    is(scalar @err, 0, "$label: no client saw a revision gap, a duplicate, "
       . 'or a changeset it could not apply') or diag(show_lines(@err));
    for my $i (0, 1) {
        my @l = log_warn_lines($ngs->[$i], $marks->[$i]);
        ok(@l <= 20, "$label: $names[$i] logged " . scalar(@l)
           . ' lines at [warn] or above after the wipe (at most 20)')
            or diag(show_lines(@l));
        my @ac = grep { /\[(?:alert|crit|emerg)\]/ } @l;
        is(scalar @ac, 0, "$label: $names[$i] logged no [alert] or [crit]")
            or diag(show_lines(@ac));
    }
}

sub finish {
    my ($clients, @ngs) = @_;
    for my $c (@$clients) {
        $c->{rejoin} = 0;
        $c->drop_socket;
    }
    $_->stop(0, timeout => 5) for @ngs;
}

# --- order 1: A restores first, B's join waits for it ---------------------

sub order1 {
    my ($v, $pause) = @_;
    my $label = $pause ? "order 1 (A paused ${pause}s)" : 'order 1';
    my $t0 = time;
    my $A = instance('A', "${GRACE}s");
    my $B = instance('B', "${GRACE}s");
    my $pad = "split$v-$$";
    my ($aw, $ar, $head) = start_on_a($label, $A, $pad, $v);
    my @all = (@$aw, $ar);
    my $before = pad_acked(@$aw);

    my @marks = ($A->log_mark, $B->log_mark);
    my @paused = $pause ? pause_workers($A) : ();
    wipe($label, $B);
    my $bw = pad_client($B, $pad, name => 'B1', tag => "${v}B1", writer => 1,
                        join_timeout => $GRACE + 15);
    push @all, $bw;
    if ($pause) {
        pad_drive(\@all, undef, $pause);
        resume_workers(@paused);
    }
    pad_drive(\@all, sub { @{ $bw->{cvs} } }, $GRACE + 10);
    my $cv = $bw->{cvs}[0];
    ok($cv, sprintf("$label: B's writer got CLIENT_VARS (%.1fs after its "
                    . 'CLIENT_READY)', $cv ? $cv->{wait} : -1))
        or diag(client_report($bw));
    my @miss = pad_missing($cv ? $cv->{text} : '', @$aw);
    is(scalar @miss, 0, "$label: B's writer's CLIENT_VARS has A's $before "
       . 'acknowledged edits (' . scalar(@miss) . ' missing)')
        or diag("missing from B's CLIENT_VARS (rev "
                . ($cv ? $cv->{rev} : '-') . ", A's head was $head):\n"
                . show_lines(@miss) . "\ntext starts: "
                . substr($cv ? $cv->{text} : '(none)', 0, 120));

    # then edits on both instances, at the same time
    my %was = map { $_->{name} => scalar @{ $_->{acked} } } @all;
    $bw->{edits_left} = 10;
    $_->{edits_left} = 10 for @$aw;
    pad_drive(\@all, sub { pad_idle(@all) }, 10);
    my $nb = @{ $bw->{acked} } - $was{B1};
    my $na = sum0 map { @{ $_->{acked} } - $was{ $_->{name} } } @$aw;
    is($nb, 10, "$label: B's writer's edits after the wipe are accepted "
       . "($nb of 10)") or diag(client_report($bw));
    is($na, 30, "$label: A's writers' edits after the wipe are accepted "
       . "($na of 30)") or diag(client_report(@$aw));

    my ($ok, $ex) = pad_settle(clients => \@all, ngs => [ $A, $B ],
                               pad => $pad, timeout => 6);
    final_checks($label, \@all, [ @$aw, $bw ], [ $A, $B ], \@marks, $ex);
    diag(sprintf "$label: %.1fs (join after the wipe waited %.1fs, "
         . "settled: %s)", time - $t0, $cv ? $cv->{wait} : -1,
         $ok ? 'yes' : 'no');
    finish(\@all, $A, $B);
}

# --- order 2: B creates the pad anew first, A merges later ----------------

sub order2 {
    my $label = 'order 2';
    my $t0 = time;
    my $A = instance('A', "${GRACE}s");
    my $B = instance('B', '0');
    my $pad = "split2-$$";
    my ($aw, $ar, $head) = start_on_a($label, $A, $pad, 'c');
    my @ac = (@$aw, $ar);

    my @marks = ($A->log_mark, $B->log_mark);
    my @paused = pause_workers($A);
    is(scalar @paused, 2, "$label: A's 2 workers stopped (SIGSTOP)");
    wipe($label, $B);
    my $bw = pad_client($B, $pad, name => 'B1', tag => 'cB1', writer => 1,
                        edits_left => 10, join_timeout => 10);
    pad_drive([$bw], sub { pad_idle($bw) }, 12);
    is(scalar @{ $bw->{acked} }, 10, "$label: B's writer made "
       . scalar(@{ $bw->{acked} }) . ' acknowledged edits while A was '
       . 'stopped') or diag(client_report($bw));
    my @miss = pad_missing($bw->{cvs}[0] ? $bw->{cvs}[0]{text} : '', @$aw);
    is(scalar @miss, 3 * $A_EDITS, "$label: set-up: B created the pad anew "
       . '(its first CLIENT_VARS has none of A\'s edits)');
    my $closes0 = @{ $bw->{closes} };
    my $cvs0 = @{ $bw->{cvs} };

    resume_workers(@paused);
    my $tr = time;
    my @all = (@ac, $bw);
    my $merged = pad_drive(\@all, sub {
        return 0 unless @{ $bw->{closes} } > $closes0
                        && $bw->{state} eq 'ready';
        return 0 if grep { $_->{state} ne 'ready' } @all;
        return 0 if grep { pad_missing($_->{text}, @$aw, $bw) } @all;
        return 1;
    }, 15);
    my $tm = time - $tr;
    ok(@{ $bw->{closes} } > $closes0, "$label: B's writer, whose history was "
       . 'replaced, got a disconnect or its socket closed ('
       . join(', ', map { $_->[1] } @{ $bw->{closes} }[$closes0 .. $#{ $bw->{closes} }])
       . ')') or diag(client_report($bw));
    my $cv = @{ $bw->{cvs} } > $cvs0 ? $bw->{cvs}[-1] : undef;
    my @m2 = pad_missing($cv ? $cv->{text} : '', @$aw, $bw);
    my $nall = pad_acked(@$aw, $bw);
    is(scalar @m2, 0, "$label: B's writer joined again (fresh CLIENT_READY) "
       . "and its CLIENT_VARS has all $nall acknowledged edits ("
       . scalar(@m2) . ' missing)') or diag(show_lines(@m2));
    my $a_closes = sum0 map { scalar @{ $_->{closes} } } @ac;
    is($a_closes, 0, "$label: A's " . scalar(@ac) . " clients kept their "
       . "sockets ($a_closes closes)") or diag(client_report(@ac));
    my @mb = map { my $c = $_; map { "$_ at $c->{name}" }
                   pad_missing($c->{text}, $bw) } @ac;
    is(scalar @mb, 0, "$label: every client on A received B's "
       . scalar(@{ $bw->{acked} }) . ' edits (the merged revision) ('
       . scalar(@mb) . ' missing)') or diag(show_lines(@mb));
    ok(($ar->{rev} // -1) > $head, "$label: the merged revision ("
       . ($ar->{rev} // '-') . ") is on top of A's history (head $head)");
    diag(sprintf "$label: merged %s %.1fs after A resumed",
         $merged ? 'within' : 'NOT within', $tm);

    my ($ok1, $ex1) = pad_settle(clients => \@all, ngs => [ $A, $B ],
                                 pad => $pad,
                                 timeout => max(2, 15 - (time - $tr)));
    for my $i (0, 1) {
        my @m = pad_missing($ex1->[$i], @$aw, $bw);
        is(scalar @m, 0, "$label: within 15s of A's return, export/txt on "
           . ('A', 'B')[$i] . ' has A\'s and B\'s edits (' . scalar(@m)
           . " of $nall lost)") or diag(show_lines(@m));
    }

    if ($merged) {
        my %was = map { $_->{name} => scalar @{ $_->{acked} } } @all;
        $_->{edits_left} = 5 for @$aw, $bw;
        pad_drive(\@all, sub { pad_idle(@all) }, 10);
        my $n = sum0 map { @{ $_->{acked} } - $was{ $_->{name} } } @$aw, $bw;
        is($n, 20, "$label: edits after the merge are accepted ($n of 20)")
            or diag(client_report(@all));
    } else {
        fail("$label: edits after the merge (skipped: no merge)");
    }
    my ($ok, $ex) = pad_settle(clients => \@all, ngs => [ $A, $B ],
                               pad => $pad, timeout => 6);
    final_checks($label, \@all, [ @$aw, $bw ], [ $A, $B ], \@marks, $ex);
    diag(sprintf "$label: %.1fs", time - $t0);
    finish(\@all, $A, $B);
}

order1('a', 0);
ok($HAS_GRACE, 'nginx accepts pad_redis_lost_grace');
order1('b', 1);
order2();
$redis->stop;
diag(sprintf 'total %.1fs', time - $T_FILE);
