package Test::Pad::Engine;

# Helpers of the pad engine tests (t/3xx): nginx + Redis set-ups, the
# pad-sim.js driver, a Socket.IO-over-WebSocket pad client in Perl.

use strict;
use warnings;

use Exporter 'import';
use Test::Pad ();
use Cpanel::JSON::XS ();
use Time::HiRes qw(time sleep);

our @EXPORT = qw(engine_nginx sim pad_ws pad_send pad_recv pad_recv_until
                 pad_text changeset_len);
our @EXPORT_OK = qw(b36 pad_join pad_insert padload_race poll_join
                    poll_messages);

my $ROOT = $Test::Pad::ROOT;

# start_nginx with the Socket.IO location, /p/ and Redis
sub engine_nginx {
    my (%o) = @_;
    my $rport = delete $o{redis_port} or die 'redis_port';
    my $extra = delete $o{http} || '';
    my $loc = delete $o{loc} || '';
    return Test::Pad::start_nginx(
        workers     => 1,
        log_level   => 'info',
        %o,
        http_config => "pad_redis 127.0.0.1:$rport;\n"
                     . "pad_redis_backoff_max 300ms;\n"
                     . "pad_redis_command_timeout 1000ms;\n"
                     . $extra,
        config      => "location /socket.io/ { pad_socketio; $loc }\n"
                     . "location /p/ { pad_http; }\n",
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

# CLIENT_READY on a new WebSocket; returns {ws, m (the answer), and with
# CLIENT_VARS: rev, len (UTF-16 units), text}
sub pad_join {
    my ($ng, $pad, $tok) = @_;
    my $ws = pad_ws($ng) or return;
    pad_send($ws, { component => 'pad', type => 'CLIENT_READY',
                    padId => $pad, token => $tok });
    my ($cv) = pad_recv_until($ws, sub { ($_[0]{type} || '') eq 'CLIENT_VARS'
                                         || $_[0]{disconnect} }, 5);
    return { ws => $ws, m => $cv } unless $cv && $cv->{data};
    my $v = $cv->{data}{collab_client_vars};
    return { ws => $ws, m => $cv, rev => $v->{rev},
             len => changeset_len($v->{initialAttributedText}{text}),
             text => $v->{initialAttributedText}{text} };
}

# inserts $ins at the start of the pad of a pad_join() client; returns
# 'accepted' (and advances its rev and len), "disconnect:<reason>" or
# 'none'
sub pad_insert {
    my ($c, $ins) = @_;
    pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
                         data => { type => 'USER_CHANGES',
                                   baseRev => $c->{rev},
                                   changeset => 'Z:' . b36($c->{len}) . '>'
                                       . b36(length $ins) . '+'
                                       . b36(length $ins) . '$' . $ins,
                                   apool => {} } });
    my ($m) = pad_recv_until($c->{ws}, sub {
        ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' || $_[0]{disconnect} },
        8);
    if ($m && $m->{data} && ($m->{data}{newRev} // -1) == $c->{rev} + 1) {
        $c->{rev}++;
        $c->{len} += length $ins;
        return 'accepted';
    }
    return $m && $m->{disconnect} ? "disconnect:$m->{disconnect}" : 'none';
}

# Rounds of build/padload with closed-loop writers on ONE pad of $ng
# (t/391, t/392): per round, the run is clean (commits acknowledged, no
# error, gap, duplicate or text differing from export/txt, every client
# checked) and the log has no commit given up or refused.  $o{writers},
# $o{readers}, $o{prefix}, $o{rounds} (3); T391_SAVE_LOG=file keeps the
# log of a round that failed.
sub padload_race {
    my ($ng, %o) = @_;
    my $padload = "$ROOT/build/padload";
    for my $round (1 .. ($o{rounds} || 3)) {
        my $log0 = $ng->log_mark;
        my $out = `$padload --port @{[ $ng->port ]} --procs 2 --duration 1.5 --warmup 0.2 --join-max 30 --drain-max 10 --pads 1 --writers $o{writers} --readers $o{readers} --prefix $o{prefix}r${round}x$$ 2>&1`;
        my ($json) = $out =~ /^(\{.*\})$/m;
        my $r = eval { Test::Pad::json_decode($json) } || {};
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

# JavaScript String.length of a Perl character string
sub changeset_len {
    my ($s) = @_;
    my $n = 0;
    $n += ord($_) > 0xffff ? 2 : 1 for split //, $s;
    return $n;
}

1;
