package Test::Pad::Engine;

# Helpers of the pad engine tests (t/3xx): nginx + Redis set-ups, the
# pad-sim.js driver, a Socket.IO-over-WebSocket pad client in Perl.

use strict;
use warnings;

use Exporter 'import';
use Test::Pad ();
use Test::Pad::Engine::Client ();
use Cpanel::JSON::XS ();
use Time::HiRes qw(time sleep);

our @EXPORT = qw(engine_nginx sim pad_ws pad_send pad_recv pad_recv_until
                 pad_text changeset_len);
our @EXPORT_OK = qw(b36 unb36 pad_join pad_joined pad_insert
                    pad_user_changes padload padload_race poll_join
                    poll_messages rr_sim
                    pad_client pad_drive pad_idle pad_settle pad_export
                    pad_missing pad_acked show_lines cs_apply_text cs_follow
                    pause_workers resume_workers log_warn_lines);

my $ROOT = $Test::Pad::ROOT;

# start_nginx with the Socket.IO location, /p/ and Redis
sub engine_nginx {
    my (%o) = @_;
    my $rport = delete $o{redis_port} or die 'redis_port';
    my $extra = delete $o{http} || '';
    my $loc = delete $o{loc} || '';
    my $server = delete $o{server} || '';     # more locations
    return Test::Pad::start_nginx(
        workers     => 1,
        log_level   => 'info',
        %o,
        http_config => "pad_redis 127.0.0.1:$rport;\n"
                     . "pad_redis_backoff_max 300ms;\n"
                     . "pad_redis_command_timeout 1000ms;\n"
                     . $extra,
        config      => "location /socket.io/ { pad_socketio; $loc }\n"
                     . "location /p/ { pad_http; }\n" . $server,
    );
}

# runs t/js/pad/pad-sim.js; returns the decoded result (or {error})
sub sim {
    my (%o) = @_;
    my $timeout = delete $o{timeout} || 90;
    my ($rc, $out, $err) = Test::Pad::node_run(
        "$ROOT/t/js/pad/pad-sim.js",
        args => [ Test::Pad::json_encode(\%o) ],
        npm => [ 'socketio-client', 'etherpad-clients' ],
        timeout => $timeout);
    my ($line) = grep { /^\{/ } split /\n/, $out;
    my $r = defined $line ? Test::Pad::json_decode($line) : undef;
    return $r || { ok => 0, error => "rc=$rc\n$out\n$err" };
}

# a Socket.IO client over a WebSocket, already connected to "/"
sub pad_ws {
    my ($ng, %o) = @_;
    my ($ws, $open, $sid) = Test::Pad::sio_ws_connect($ng,
        query => { padId => 'x', %{ $o{query} || {} } });
    return $sid ? $ws : undef;
}

# 42["message", M] (with an ack id when given)
sub pad_send {
    my ($ws, $m, $ack) = @_;
    $ws->send_text('42' . (defined $ack ? $ack : '')
                   . Test::Pad::json_encode(['message', $m]));
}

# the next "message" event (or ack: ['ack', id, args]); undef on timeout
sub pad_recv {
    my ($ws, $timeout) = @_;
    my $deadline = time + ($timeout || 5);
    while (time < $deadline) {
        my $p = $ws->eio_recv(auto_pong => 1,
                              timeout => $deadline - time);
        return undef unless defined $p;
        if ($p =~ /^42(\[.*)$/s) {
            my $a = Test::Pad::json_decode($1);
            return $a->[1] if $a && $a->[0] eq 'message';
        } elsif ($p =~ /^43(\d+)(\[.*)$/s) {
            return { ack => $1 + 0, args => Test::Pad::json_decode($2) };
        }
    }
    return undef;
}

# messages until $pred->($m) is true; returns (matching, [all seen])
sub pad_recv_until {
    my ($ws, $pred, $timeout) = @_;
    my $deadline = time + ($timeout || 5);
    my @seen;
    while (time < $deadline) {
        my $m = pad_recv($ws, $deadline - time);
        last unless $m;
        push @seen, $m;
        return ($m, \@seen) if $pred->($m);
    }
    return (undef, \@seen);
}

sub pad_text {
    my ($ng, $pad) = @_;
    my $r = Test::Pad::http_get($ng, "/p/$pad/export/txt");
    return $r->{status} == 200 ? $r->{body} : undef;
}

# a number in base 36, as changesets write it
sub b36 {
    my ($n) = @_;
    my $s = '';
    do { $s = substr('0123456789abcdefghijklmnopqrstuvwxyz', $n % 36, 1)
              . $s; $n = int($n / 36) } while $n;
    return $s;
}

# and back (either case)
sub unb36 {
    my $n = 0;
    $n = $n * 36 + index('0123456789abcdefghijklmnopqrstuvwxyz', $_)
        for split //, lc $_[0];
    return $n;
}

# CLIENT_READY for $pad (with token $tok unless undef: then the cookie's)
# on a new WebSocket, then its answer: CLIENT_VARS, a disconnect, an
# accessStatus or a message $o{until}->($m) accepts, within $o{timeout}
# (5 s).  $o{msg}: more fields of CLIENT_READY (userInfo, reconnect,
# client_rev...; they win over padId), $o{query}: of the handshake,
# $o{ack}: an ack id, $o{no_wait}: send and return {ws} without reading.
# Returns undef when the WebSocket did not connect, else {ws, m (the
# answer or undef), seen (every message read), and with CLIENT_VARS: vars
# (its data), id (userId), rev, len (UTF-16 units), text}.
sub pad_join {
    my ($ng, $pad, $tok, %o) = @_;
    my $ws = pad_ws($ng, query => $o{query}) or return;
    pad_send($ws, { component => 'pad', type => 'CLIENT_READY',
                    padId => $pad, (defined $tok ? (token => $tok) : ()),
                    %{ $o{msg} || {} } }, $o{ack});
    return { ws => $ws } if $o{no_wait};
    my $until = $o{until};
    my ($cv, $seen) = pad_recv_until($ws, sub {
        ($_[0]{type} || '') eq 'CLIENT_VARS' || $_[0]{disconnect}
        || $_[0]{accessStatus} || $until && $until->($_[0]) },
        $o{timeout} || 5);
    my $c = { ws => $ws, m => $cv, seen => $seen };
    return $c unless $cv && ($cv->{type} || '') eq 'CLIENT_VARS'
                     && $cv->{data};
    my $v = $cv->{data}{collab_client_vars};
    $c->{vars} = $cv->{data};
    $c->{id} = $cv->{data}{userId};
    $c->{rev} = $v->{rev};
    $c->{text} = $v->{initialAttributedText}{text};
    $c->{len} = changeset_len($c->{text});
    return $c;
}

# pad_join() when it got CLIENT_VARS, else undef
sub pad_joined {
    my $c = pad_join(@_);
    return $c && $c->{vars} ? $c : undef;
}

# the USER_CHANGES message inserting $ins at the start of a pad of $len
# (UTF-16 units) at revision $base; $o{apool} (default: an empty pool)
sub pad_user_changes {
    my ($base, $len, $ins, %o) = @_;
    my $n = b36(changeset_len($ins));
    my $nl = $ins =~ tr/\n//;
    return { type => 'COLLABROOM', component => 'pad',
             data => { type => 'USER_CHANGES', baseRev => $base,
                       changeset => 'Z:' . b36($len) . ">$n"
                                    . ($nl ? '|' . b36($nl) : '')
                                    . "+$n\$$ins",
                       apool => $o{apool}
                                || { numToAttrib => {}, nextNum => 0 } } };
}

# inserts $ins at the start of the pad of a pad_join() client; returns
# 'accepted' (and advances its rev and len), "disconnect:<reason>" or
# 'none'
sub pad_insert {
    my ($c, $ins) = @_;
    pad_send($c->{ws}, pad_user_changes($c->{rev}, $c->{len}, $ins,
                                        apool => {}));
    my ($m) = pad_recv_until($c->{ws}, sub {
        ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' || $_[0]{disconnect} },
        8);
    if ($m && $m->{data} && ($m->{data}{newRev} // -1) == $c->{rev} + 1) {
        $c->{rev}++;
        $c->{len} += changeset_len($ins);
        return 'accepted';
    }
    return $m && $m->{disconnect} ? "disconnect:$m->{disconnect}" : 'none';
}

# runs build/padload against $ng with the arguments (a string, or words);
# returns (its JSON result or undef, its output)
sub padload {
    my ($ng, @args) = @_;
    my $out = `$ROOT/build/padload --port @{[ $ng->port ]} @args 2>&1`;
    my ($json) = $out =~ /^(\{.*\})$/m;
    my $r = defined $json ? Test::Pad::json_decode($json) : undef;
    return ($r, $out);
}

# Rounds of build/padload with closed-loop writers on ONE pad of $ng
# (t/391, t/392): per round, the run is clean (commits acknowledged, no
# error, gap, duplicate or text differing from export/txt, every client
# checked) and the log has no commit given up or refused.  $o{writers},
# $o{readers}, $o{prefix}, $o{rounds} (3); T391_SAVE_LOG=file keeps the
# log of a round that failed.
sub padload_race {
    my ($ng, %o) = @_;
    for my $round (1 .. ($o{rounds} || 3)) {
        my $log0 = $ng->log_mark;
        my ($r, $out) = padload($ng, "--procs 2 --duration 1.5 --warmup 0.2 --join-max 30 --drain-max 10 --pads 1 --writers $o{writers} --readers $o{readers} --prefix $o{prefix}r${round}x$$");
        $r ||= {};
        Test::More::diag($out)
            unless $r->{commits} && !$r->{errors} && !$r->{mismatches};
        my $log = $ng->log_since($log0);
        my @bad = $log =~ /^.*(?:giving up|bad changeset|commit timed out|\[alert\]|\[emerg\]).*$/mg;
        Test::More::diag(join "\n", @bad[0 .. ($#bad > 9 ? 9 : $#bad)])
            if @bad;
        if (@bad && $ENV{T391_SAVE_LOG}) {
            open my $h, '>', $ENV{T391_SAVE_LOG} or die;
            print $h $log;
        }
        Test::More::ok(($r->{commits} || 0) > 100,
                       "round $round: commits acknowledged ($r->{commits})");
        Test::More::is($r->{errors}, 0, "round $round: no errors");
        Test::More::is($r->{mismatches}, 0,
                       "round $round: every text equals export/txt");
        Test::More::is($r->{gaps}, 0, "round $round: no gaps");
        Test::More::is($r->{dups}, 0, "round $round: no duplicates");
        Test::More::is($r->{checked}, $r->{clients},
                       "round $round: every client checked");
        Test::More::is(scalar @bad, 0,
                       "round $round: no commit given up or refused");
    }
}

# joins $pad over Engine.IO polling (CLIENT_READY posted, newChangesBatch
# with optin => 1); returns the sid
sub poll_join {
    my ($ng, $pad, %o) = @_;
    my ($sid) = Test::Pad::eio_poll_open($ng, query => { padId => $pad });
    return unless $sid;
    Test::Pad::eio_poll_post($ng, $sid, '40');
    my $r = Test::Pad::eio_poll_get($ng, $sid);
    return unless $r->{body} =~ /40\{/;
    my $m = { component => 'pad', type => 'CLIENT_READY', padId => $pad,
              token => 't.' . join('', map { ('a' .. 'z')[rand 26] }
                                         1 .. 20) };
    $m->{newChangesBatch} = Cpanel::JSON::XS::true() if $o{optin};
    Test::Pad::eio_poll_post($ng, $sid,
        '42' . Test::Pad::json_encode(['message', $m]));
    return $sid;
}

# the pad messages of one polling GET
sub poll_messages {
    my ($ng, $sid) = @_;
    my $r = Test::Pad::eio_poll_get($ng, $sid, timeout => 3);
    return () unless $r->{status} == 200;
    my @m;
    for my $p (split /\x1e/, $r->{body}) {
        if ($p eq '2') { Test::Pad::eio_poll_post($ng, $sid, '3'); next }
        next unless $p =~ /^42(\[.*)$/s;
        my $a = Test::Pad::json_decode($1);
        push @m, $a->[1] if $a && $a->[0] eq 'message';
    }
    return @m;
}

# runs t/js/relay/rr-sim.js: clients of %sim behind a round-robin proxy
# to the backends @$urls (upgrade_elsewhere => 1: each WebSocket upgrade
# to another backend than the polling requests); returns the decoded
# result, or {sim => {ok => 0, error}, proxy => {}}
sub rr_sim {
    my ($urls, %sim) = @_;
    my $else = delete $sim{upgrade_elsewhere};
    my ($rc, $out, $err) = Test::Pad::node_run(
        "$ROOT/t/js/relay/rr-sim.js",
        args => [ Test::Pad::json_encode({ backends => $urls,
                                           upgradeElsewhere => $else,
                                           sim => \%sim }) ],
        npm => [ 'socketio-client', 'etherpad-clients' ], timeout => 150);
    my ($line) = grep { /^\{/ } split /\n/, $out;
    my $r = defined $line ? Test::Pad::json_decode($line) : undef;
    return $r || { sim => { ok => 0, error => "rc=$rc\n$out\n$err" },
                   proxy => {} };
}

# JavaScript String.length of a Perl character string
sub changeset_len {
    my ($s) = @_;
    my $n = 0;
    $n += ord($_) > 0xffff ? 2 : 1 for split //, $s;
    return $n;
}


# --- tracked pad clients (t/394, soak/redis-lost.t) -----------------------
#
# pad_client($ng, $pad, name => 'A1', writer => 1) joins $pad over a
# Socket.IO WebSocket and keeps the pad's text as an Etherpad client does:
# CLIENT_VARS, then every NEW_CHANGES applied (a pending edit of its own
# rebased over it with follow, as the server rebases it) and its own edit
# applied on ACCEPT_COMMIT.  A writer sends one USER_CHANGES at a time,
# each inserting a unique marker "[tag:n] " at the start of the pad, and
# waits for ACCEPT_COMMIT before the next; an edit counts as acknowledged
# ($c->{acked}) only then.  On {"disconnect": ...}, a close frame or EOF
# the client drops its socket (an edit in flight goes to $c->{unacked})
# and, like Etherpad's page, joins again with a fresh CLIENT_READY.
# Nothing blocks: pad_drive(\@clients, $until, $timeout) runs them all
# until $until->() is true.  $c->{errors} lists what a real client could
# not have followed (gaps, duplicates, changesets that do not apply),
# $c->{timeouts} the joins and edits that got no answer in time (the
# client then drops its socket and joins again) and failed connections.

my ($CS_PID, $CS_IN, $CS_OUT);
my %PAUSED;

END {
    local $?;
    kill 'CONT', keys %PAUSED if %PAUSED;
    if ($CS_PID) {
        close $CS_IN;
        waitpid $CS_PID, 0;
    }
}

# the text after a changeset (attributes ignored); undef if it does not
# apply to $text
sub cs_apply_text {
    my ($cs, $text) = @_;
    return undef unless defined $cs && defined $text;
    my ($old, $ops, $bank) = $cs =~ /^Z:([0-9a-z]+)[<>][0-9a-z]+([^\$]*)\$(.*)\z/s
        or return undef;
    return undef if unb36($old) != length $text;
    my ($out, $pos, $bpos) = ('', 0, 0);
    while ($ops =~ /\G(?:\*[0-9a-z]+)*(?:\|[0-9a-z]+)?([-+=])([0-9a-z]+)/gc) {
        my $n = unb36($2);
        if ($1 eq '=') {
            return undef if $pos + $n > length $text;
            $out .= substr $text, $pos, $n;
            $pos += $n;
        } elsif ($1 eq '-') {
            return undef if $pos + $n > length $text;
            $pos += $n;
        } else {
            return undef if $bpos + $n > length $bank;
            $out .= substr $bank, $bpos, $n;
            $bpos += $n;
        }
    }
    return undef if (pos($ops) // 0) != length $ops;
    return $out . substr $text, $pos;
}

# follow(cs1, cs2, reverse) by build/pad-changeset --jsonl (the engine's
# own Easysync); returns the changeset or undef (error in $@)
sub cs_follow {
    my ($cs1, $cs2, $reverse, $pool) = @_;
    if (!$CS_PID) {
        require IPC::Open2;
        my $bin = "$ROOT/build/pad-changeset";
        die "$bin missing (make)\n" unless -x $bin;
        $CS_PID = IPC::Open2::open2($CS_OUT, $CS_IN, $bin, '--jsonl');
    }
    my $req = { op => 'follow', cs1 => $cs1, cs2 => $cs2,
                reverse => $reverse ? Cpanel::JSON::XS::true()
                                    : Cpanel::JSON::XS::false() };
    $req->{pool} = $pool if ref $pool eq 'HASH' && $pool->{numToAttrib};
    print {$CS_IN} Test::Pad::json_encode($req), "\n";
    my $l = <$CS_OUT>;
    my $r = defined $l ? Test::Pad::json_decode($l) : undef;
    return $r->{ok} if $r && defined $r->{ok};
    $@ = $r ? $r->{err} : 'pad-changeset exited';
    return undef;
}

sub pad_client {
    my ($ng, $pad, %o) = @_;
    my $c = bless {
        ng => $ng, pad => $pad, name => $o{name} // 'c', writer => 0,
        rejoin => 1, pace => 0, edits_left => 0, join_timeout => 20,
        edit_timeout => 15,
        token => 't.' . join('', map { ('a' .. 'z', 0 .. 9)[rand 36] }
                                   1 .. 20),
        %o,
        state => 'closed', seq => 0, acked => [], unacked => [],
        closes => [], disconnects => [], errors => [], timeouts => [],
        joins => 0,
        cvs => [],
    }, 'Test::Pad::Engine::Client';
    $c->{tag} //= $c->{name};
    $c->enter unless $o{no_join};
    return $c;
}

# runs the clients until $until->() is true (checked between reads) or
# $timeout seconds passed; returns the last value of $until->()
sub pad_drive {
    my ($clients, $until, $timeout) = @_;
    require IO::Select;
    my $deadline = time + $timeout;
    while (1) {
        $_->tick for @$clients;
        my $r = $until ? $until->() : 0;
        return $r if $r;
        my $left = $deadline - time;
        return $r if $left <= 0;
        my $sel = IO::Select->new;
        my %by;
        for my $c (@$clients) {
            my $ws = $c->{ws} or next;
            $ws->{sock} or next;
            $sel->add($ws->{sock});
            $by{ fileno $ws->{sock} } = $c;
        }
        my $wait = $left < 0.02 ? $left : 0.02;
        if (!$sel->count) {
            sleep $wait;
            next;
        }
        for my $s ($sel->can_read($wait)) {
            my $c = $by{ fileno $s } or next;
            next unless $c->{ws} && $c->{ws}{sock};
            $c->{ws}->_fill(time + 0.01);
            $c->_frames;
        }
    }
}

# writers have nothing in flight and nothing left to send, everyone is in
# the pad (or stays out: rejoin => 0)
sub pad_idle {
    return !grep {
        ($_->{state} ne 'ready' && $_->{rejoin})
        || $_->{pending} || ($_->{writer} && $_->{edits_left} > 0
                             && $_->{state} eq 'ready')
    } @_;
}

# export/txt as characters (undef unless 200)
sub pad_export {
    my ($ng, $pad) = @_;
    my $r = eval { Test::Pad::http_get($ng, "/p/$pad/export/txt") };
    return undef unless $r && $r->{status} == 200;
    require Encode;
    return Encode::decode('UTF-8', $r->{body});
}

# drives the clients until they are idle, every instance exports the same
# text and every client in the pad has that text; returns (ok, [exports])
sub pad_settle {
    my (%o) = @_;
    my ($next, $last) = (0, []);
    my $ok = pad_drive($o{clients}, sub {
        return 0 unless pad_idle(@{ $o{clients} });
        return 0 if time < $next;
        $next = time + 0.25;
        my @t = map { pad_export($_, $o{pad}) } @{ $o{ngs} };
        $last = \@t;
        return 0 if grep { !defined } @t;
        return 0 if grep { $_ ne $t[0] } @t;
        return 0 if grep { $_->{state} eq 'ready' && $_->{text} ne $t[0] }
                         @{ $o{clients} };
        return 1;
    }, $o{timeout} || 10);
    return ($ok ? 1 : 0, $last);
}

# acknowledged markers of these clients that $text lacks, each as
# "[tag:n] (writer name)"
sub pad_missing {
    my ($text, @clients) = @_;
    my %in;
    $in{$1} = 1 while defined $text && $text =~ /(\[[^\[\]\s]+\])/g;
    my @miss;
    for my $c (@clients) {
        push @miss, map { "$_ ($c->{name})" } grep { !$in{$_} }
                    @{ $c->{acked} };
    }
    return @miss;
}

# the number of edits these clients got acknowledged
sub pad_acked {
    my $n = 0;
    $n += @{ $_->{acked} } for @_;
    return $n;
}

# at most 15 of these lines (for a diagnostic), then "... (N more)"
sub show_lines {
    my (@l) = @_;
    return join "\n", @l[0 .. ($#l > 14 ? 14 : $#l)],
                      ($#l > 14 ? ('... (' . (@l - 15) . ' more)') : ());
}

# SIGSTOP an instance's workers (resumed at exit whatever happens)
sub pause_workers {
    my ($ng) = @_;
    my @p = $ng->worker_pids;
    kill 'STOP', @p;
    $PAUSED{$_} = 1 for @p;
    Test::Pad::wait_until(sub {
        !grep { (Test::Pad::Nginx::_slurp("/proc/$_/stat")
                 =~ /\)\s+(\S)/)[0] !~ /^[Tt]$/ } @p }, 2);
    return @p;
}

sub resume_workers {
    kill 'CONT', @_;
    delete @PAUSED{@_};
}

# error.log lines at [warn] or above since $mark
sub log_warn_lines {
    my ($ng, $mark) = @_;
    return grep { /\[(?:warn|error|crit|alert|emerg)\]/ }
           split /\n/, $ng->log_since($mark);
}

1;
