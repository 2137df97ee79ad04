package Test::Pad::HTTP;

# A tiny HTTP/1.1 client for tests: one request per connection
# ("Connection: close"), raw bytes allowed, and a request can be started
# now and read later (a pending long-poll GET).  See the POD of Test::Pad.

use strict;
use warnings;

use Carp qw(croak);
use IO::Select;
use Time::HiRes qw(time sleep);

require Test::Pad::WebSocket;

# start(port => , method => , uri => , headers => [n, v, ...], body => ,
#       raw => bytes, ssl => 1, timeout => s, pieces => [..], delay => s)
sub start {
    my ($class, %o) = @_;
    my $port = $o{port} or croak 'port required';
    my $timeout = $o{timeout} || 5;
    my $sock = Test::Pad::WebSocket::_tcp_connect('127.0.0.1', $port,
                                                  $timeout, undef, $o{ssl})
        or croak "connect to 127.0.0.1:$port failed: $!";

    my @pieces;
    if (defined $o{raw}) {
        @pieces = ref $o{raw} ? @{ $o{raw} } : ($o{raw});
    } else {
        my $method = $o{method} || 'GET';
        my $uri = defined $o{uri} ? $o{uri} : '/';
        my $body = $o{body};
        my $req = "$method $uri HTTP/1.1\r\n";
        my %have;
        my @h = @{ $o{headers} || [] };
        while (@h) {
            my ($n, $v) = splice @h, 0, 2;
            $have{ lc $n } = 1;
            $req .= "$n: $v\r\n";
        }
        $req .= "Host: localhost\r\n" unless $have{host};
        $req .= "Connection: close\r\n" unless $have{connection};
        if (defined $body && !$have{'content-length'}
            && !$have{'transfer-encoding'})
        {
            $req .= 'Content-Length: ' . length($body) . "\r\n";
        }
        $req .= "\r\n";
        $req .= $body if defined $body;
        @pieces = ($req);
    }

    my $self = bless {
        sock => $sock, timeout => $timeout, buf => '', eof => 0,
        ws => bless({ sock => $sock, buf => '', eof => 0,
                      timeout => $timeout }, 'Test::Pad::WebSocket'),
    }, $class;

    for my $i (0 .. $#pieces) {
        $self->{ws}->send_raw($pieces[$i]);
        sleep($o{delay} || 0.05) if $i < $#pieces;
    }
    return $self;
}

# True when the response (or EOF) is already available to read.
sub ready {
    my ($self, $wait) = @_;
    my $ws = $self->{ws};
    return 1 if length $ws->{buf} || $ws->{eof};
    return 1 if $ws->{sock}->can('pending') && $ws->{sock}->pending;
    return IO::Select->new($ws->{sock})->can_read($wait || 0) ? 1 : 0;
}

# Read the response: { status, reason, headers => {lc name => value},
# raw_headers, body, timed_out }.  101 responses return at once with the
# bytes already read as body.
sub finish {
    my ($self, $timeout) = @_;
    $timeout = $self->{timeout} unless defined $timeout;
    my $ws = $self->{ws};
    my $deadline = time + $timeout;
    my %res = (status => 0, headers => {}, body => '', raw_headers => '');

    while ($ws->{buf} !~ /\r\n\r\n/) {
        if (!$ws->_fill($deadline)) {
            $res{timed_out} = !$ws->{eof};
            $res{raw_headers} = $ws->{buf};
            return \%res;
        }
    }
    my $i = index $ws->{buf}, "\r\n\r\n";
    my $head = substr $ws->{buf}, 0, $i + 4, '';
    $res{raw_headers} = $head;
    my ($sl, @lines) = split /\r\n/, $head;
    @res{qw(status reason)} = $sl =~ m{^HTTP/\d\.\d (\d{3}) ?(.*)$};
    $res{status} ||= 0;
    for (@lines) {
        my ($n, $v) = /^([^:]+):\s*(.*?)\s*$/ or next;
        $n = lc $n;
        $res{headers}{$n} = exists $res{headers}{$n}
                          ? "$res{headers}{$n}, $v" : $v;
    }

    if ($res{status} == 101) {
        $res{body} = $ws->{buf};
        return \%res;
    }

    my $h = $res{headers};
    if (($h->{'transfer-encoding'} || '') =~ /chunked/i) {
        my $body = '';
        while (1) {
            while ($ws->{buf} !~ /\r\n/) {
                goto TIMEOUT unless $ws->_fill($deadline);
            }
            $ws->{buf} =~ s/^([0-9a-fA-F]+)[^\r]*\r\n// or goto BAD;
            my $n = hex $1;
            while (length $ws->{buf} < $n + 2) {
                goto TIMEOUT unless $ws->_fill($deadline);
            }
            $body .= substr $ws->{buf}, 0, $n;
            substr($ws->{buf}, 0, $n + 2) = '';
            last if $n == 0;
        }
        $res{body} = $body;
        return \%res;
    } elsif (defined $h->{'content-length'}) {
        my $n = $h->{'content-length'};
        while (length $ws->{buf} < $n) {
            goto TIMEOUT unless $ws->_fill($deadline);
        }
        $res{body} = substr $ws->{buf}, 0, $n;
        return \%res;
    } elsif ($res{status} == 204 || $res{status} == 304
             || $res{status} < 200)
    {
        return \%res;
    }
    1 while $ws->_fill($deadline);
    $res{timed_out} = !$ws->{eof};
    $res{body} = $ws->{buf};
    return \%res;

  TIMEOUT:
    $res{timed_out} = !$ws->{eof};
    $res{truncated} = 1;
    $res{body} = $ws->{buf};
    return \%res;

  BAD:
    $res{bad_chunk} = 1;
    $res{body} = $ws->{buf};
    return \%res;
}

# Keep-alive use: send another request on the same connection and read
# its answer (the previous answer must have been read with finish).
sub request {
    my ($self, %o) = @_;
    my $method = $o{method} || 'GET';
    my $req = "$method $o{uri} HTTP/1.1\r\nHost: localhost\r\n";
    my @h = @{ $o{headers} || [] };
    while (@h) {
        my ($n, $v) = splice @h, 0, 2;
        $req .= "$n: $v\r\n";
    }
    $req .= 'Content-Length: ' . length($o{body}) . "\r\n"
        if defined $o{body};
    $req .= "\r\n";
    $req .= $o{body} if defined $o{body};
    $self->{ws}->send_raw($req) or return { status => 0, body => '' };
    return $self->finish($o{timeout});
}

sub close {
    my ($self) = @_;
    CORE::close($self->{sock}) if $self->{sock};
    delete $self->{sock};
    delete $self->{ws}{sock};
}

1;
