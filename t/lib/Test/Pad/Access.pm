package Test::Pad::Access;

# Helpers of the access tests (t/401..t/405): the records another part
# writes through Etherpad's HTTP API (groups, sessions, public pads),
# written here with redis-cli in the layout of docs/operators/redis.md,
# and raw pad clients (WebSocket and Engine.IO polling) that send a
# Cookie header and keep the exact bytes of the answer.

use strict;
use warnings;

use Exporter 'import';
use Test::Pad ();
use Test::Pad::Engine qw(pad_send);

our @EXPORT = qw(rcli mk_group mk_session mk_pad_public ws_ready
                 poll_ready tok);

our $PREFIX = 'ngxpad:';

sub rcli {
    my ($redis, @args) = @_;
    my $port = $redis->port;
    open my $h, '-|', 'redis-cli', '-p', $port, @args
        or die "redis-cli: $!";
    local $/;
    my $out = <$h>;
    close $h;
    $out =~ s/\n\z// if defined $out;
    return $out;
}

# Pgroup:{g.X} (created ms) and Pgroups
sub mk_group {
    my ($redis, $g) = @_;
    rcli($redis, 'HSET', "${PREFIX}group:{$g}", 'created',
         int(time * 1000));
    rcli($redis, 'SADD', "${PREFIX}groups", $g);
}

# Psession:{s.X} (groupID, authorID, validUntil in unix seconds) and
# the group's and author's session sets
sub mk_session {
    my ($redis, $s, $g, $a, $valid) = @_;
    rcli($redis, 'HSET', "${PREFIX}session:{$s}", 'groupID', $g,
         'authorID', $a, 'validUntil', $valid);
    rcli($redis, 'SADD', "${PREFIX}group:{$g}:sessions", $s);
    rcli($redis, 'SADD', "${PREFIX}author:$a:sessions", $s);
}

# setPublicStatus(true): P{pad}:meta public = 1 (0: field removed)
sub mk_pad_public {
    my ($redis, $pad, $on) = @_;
    return rcli($redis, 'HSET', "${PREFIX}{$pad}:meta", 'public', 1)
        if $on // 1;
    return rcli($redis, 'HDEL', "${PREFIX}{$pad}:meta", 'public');
}

my $ntok = 0;
sub tok {
    $ntok++;
    return 't.' . substr(join('', ('a' .. 'z')) x 2, $ntok % 26, 16)
         . sprintf('%04d', $ntok);
}

# the first "message" of a Socket.IO client: (decoded, raw packet)
sub _first_message {
    my ($ws, $timeout) = @_;
    my $deadline = time + ($timeout || 5);
    while (time < $deadline) {
        my $p = $ws->eio_recv(auto_pong => 1, timeout => $deadline - time);
        return unless defined $p;
        next unless $p =~ /^42(\[.*)$/s;
        my $a = Test::Pad::json_decode($1);
        return ($a->[1], $p) if $a && $a->[0] eq 'message';
    }
    return;
}

# CLIENT_READY over a WebSocket: %o cookie (the Cookie header), token
# (default: a new valid one; '' for none), msg (more fields), query.
# Returns {ws, m, raw}.
sub ws_ready {
    my ($ng, $pad, %o) = @_;
    my ($ws, $open, $sid) = Test::Pad::sio_ws_connect($ng,
        query => { padId => 'x', %{ $o{query} || {} } },
        (defined $o{cookie} ? (headers => [ Cookie => $o{cookie} ]) : ()));
    return { m => undef } unless $sid;
    my $tok = exists $o{token} ? $o{token} : tok();
    pad_send($ws, { component => 'pad', type => 'CLIENT_READY',
                    padId => $pad,
                    (defined $tok && length $tok ? (token => $tok) : ()),
                    %{ $o{msg} || {} } });
    my ($m, $raw) = _first_message($ws, $o{timeout});
    return { ws => $ws, m => $m, raw => $raw };
}

# the same over Engine.IO polling, every request with the Cookie header:
# returns {sid, m, raw}
sub poll_ready {
    my ($ng, $pad, %o) = @_;
    my @h = defined $o{cookie} ? (headers => [ Cookie => $o{cookie} ]) : ();
    my ($sid) = Test::Pad::eio_poll_open($ng, query => { padId => $pad },
                                         @h);
    return { m => undef } unless $sid;
    Test::Pad::eio_poll_post($ng, $sid, '40', @h);
    my $r = Test::Pad::eio_poll_get($ng, $sid, @h);
    return { m => undef } unless $r->{body} =~ /40\{/;
    my $tok = exists $o{token} ? $o{token} : tok();
    Test::Pad::eio_poll_post($ng, $sid, '42' . Test::Pad::json_encode(
        ['message', { component => 'pad', type => 'CLIENT_READY',
                      padId => $pad,
                      (defined $tok && length $tok ? (token => $tok) : ()),
                      %{ $o{msg} || {} } }]), @h);
    my $deadline = time + 5;
    while (time < $deadline) {
        $r = Test::Pad::eio_poll_get($ng, $sid, @h, timeout => 3);
        last unless $r->{status} == 200;
        for my $p (split /\x1e/, $r->{body}) {
            if ($p eq '2') { Test::Pad::eio_poll_post($ng, $sid, '3', @h);
                             next }
            next unless $p =~ /^42(\[.*)$/s;
            my $a = Test::Pad::json_decode($1);
            return { sid => $sid, m => $a->[1], raw => $p }
                if $a && $a->[0] eq 'message';
        }
    }
    return { sid => $sid, m => undef };
}

1;
