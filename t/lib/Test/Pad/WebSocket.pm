package Test::Pad::WebSocket;

# A raw RFC 6455 client for tests: it can send anything (unmasked frames,
# reserved bits and opcodes, bad lengths, one byte at a time) and reports
# exactly what the server sent.  See the POD of Test::Pad.

use strict;
use warnings;

use Carp qw(croak);
use Digest::SHA qw(sha1);
use Encode ();
use IO::Select;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Protocol::WebSocket::Handshake::Client;
use Socket qw(SOL_SOCKET SO_RCVBUF IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(time sleep);

use Exporter 'import';
our @EXPORT_OK = qw(ws_frame ws_accept);

our $GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

# The Sec-WebSocket-Accept value for a key (RFC 6455 section 4.2.2).
sub ws_accept {
    my ($key) = @_;
    return encode_base64(sha1($key . $GUID), '');
}

# Build one frame.  Options:
#   opcode  (default 1), payload (bytes; default ''), fin (default 1),
#   rsv (0..7, placed in bits 6..4), mask (default 1; 0 sends unmasked),
#   mask_key (4 bytes), len16/len64 (force the 16- or 64-bit length form),
#   len (a lying length field; payload is still appended as given).
sub ws_frame {
    my %o = @_ == 1 ? (payload => $_[0]) : @_;
    my $payload = defined $o{payload} ? $o{payload} : '';
    my $opcode = defined $o{opcode} ? $o{opcode} : 1;
    my $fin = defined $o{fin} ? $o{fin} : 1;
    my $rsv = $o{rsv} || 0;
    my $mask = defined $o{mask} ? $o{mask} : 1;
    my $len = defined $o{len} ? $o{len} : length $payload;

    my $b0 = ($fin ? 0x80 : 0) | (($rsv & 7) << 4) | ($opcode & 0x0f);
    my $mbit = $mask ? 0x80 : 0;
    my $hdr = chr($b0);

    if ($o{len64} || (!$o{len16} && $len > 65535)) {
        $hdr .= chr($mbit | 127) . pack('Q>', $len);
    } elsif ($o{len16} || $len > 125) {
        $hdr .= chr($mbit | 126) . pack('n', $len);
    } else {
        $hdr .= chr($mbit | $len);
    }

    return $hdr . $payload unless $mask;

    my $key = defined $o{mask_key} ? $o{mask_key}
            : pack('N', int(rand(0xffffffff)));
    return $hdr . $key . _xor_mask($payload, $key);
}

sub _xor_mask {
    my ($data, $key) = @_;
    my $n = length $data;
    return '' unless $n;
    my $k = $key x (int($n / 4) + 1);
    return $data ^ substr($k, 0, $n);
}

# ws_connect: see Test::Pad POD.  Returns an object even when the server
# refuses the upgrade ($ws->status tells).
sub connect {
    my ($class, %o) = @_;
    my $host = $o{host} || '127.0.0.1';
    my $port = $o{port} or croak 'port required';
    my $path = defined $o{path} ? $o{path} : '/';
    my $timeout = $o{timeout} || 5;

    my $self = bless {
        buf => '', eof => 0, timeout => $timeout, frames => [],
        port => $port, path => $path,
    }, $class;

    my $sock = _tcp_connect($host, $port, $timeout, $o{rcvbuf}, $o{ssl})
        or croak "connect to $host:$port failed: $!";
    $self->{sock} = $sock;

    my $key = defined $o{key} ? $o{key}
            : encode_base64(join('', map { chr int rand 256 } 1 .. 16), '');
    $self->{key} = $key;

    my $req;
    if (defined $o{raw_request}) {
        $req = $o{raw_request};
    } else {
        my $method = $o{method} || 'GET';
        my %omit = map { lc($_) => 1 } @{ $o{omit} || [] };
        my @h = (
            [Host => "127.0.0.1:$port"],
            [Upgrade => 'websocket'],
            [Connection => 'Upgrade'],
            ['Sec-WebSocket-Key' => $key],
            ['Sec-WebSocket-Version' => defined $o{version} ? $o{version}
                                                             : 13],
        );
        my %over;
        my @extra;
        my @hdrs = @{ $o{headers} || [] };
        while (@hdrs) {
            my ($n, $v) = splice @hdrs, 0, 2;
            if (grep { lc($_->[0]) eq lc $n } @h) {
                $over{lc $n} = $v;
            } else {
                push @extra, [$n, $v];
            }
        }
        $req = "$method $path HTTP/1.1\r\n";
        for my $h (@h, @extra) {
            next if $omit{ lc $h->[0] };
            my $v = exists $over{ lc $h->[0] } ? $over{ lc $h->[0] }
                                               : $h->[1];
            $req .= "$h->[0]: $v\r\n";
        }
        $req .= "\r\n";
    }

    # bytes to send in the same write as the handshake
    $req .= $o{append} if defined $o{append};
    $self->send_raw($req, chunk => $o{chunk}, delay => $o{chunk_delay});

    # read the response head; keep what follows for the frame reader
    my $deadline = time + $timeout;
    while ($self->{buf} !~ /\r\n\r\n/) {
        last unless $self->_fill($deadline);
    }
    my $i = index $self->{buf}, "\r\n\r\n";
    if ($i < 0) {
        $self->{status} = 0;
        $self->{head} = $self->{buf};
        return $self;
    }
    my $head = substr $self->{buf}, 0, $i + 4, '';
    $self->{head} = $head;
    my ($status_line, @lines) = split /\r\n/, $head;
    ($self->{status}) = $status_line =~ m{^HTTP/1\.[01] (\d{3})};
    $self->{status} ||= 0;
    my %h;
    for (@lines) {
        my ($n, $v) = /^([^:]+):\s*(.*?)\s*$/ or next;
        $n = lc $n;
        $h{$n} = exists $h{$n} ? "$h{$n}, $v" : $v;
    }
    $self->{headers} = \%h;

    if ($self->{status} != 101) {
        # an error answer: read its body (content-length or EOF)
        my $len = $h{'content-length'};
        while (!$self->{eof}
               && (!defined $len || length($self->{buf}) < $len))
        {
            last unless $self->_fill($deadline);
        }
        $self->{body} = $self->{buf};
        $self->{buf} = '';
    }

    return $self;
}

sub _tcp_connect {
    my ($host, $port, $timeout, $rcvbuf, $ssl) = @_;
    my $sock = IO::Socket::INET->new(Proto => 'tcp');
    return unless $sock;
    if ($rcvbuf) {
        # set before connect so the advertised window stays small
        setsockopt($sock, SOL_SOCKET, SO_RCVBUF, pack('i', $rcvbuf))
            or return;
    }
    my $addr = Socket::pack_sockaddr_in($port, Socket::inet_aton($host));
    $sock->connect($addr) or return;
    setsockopt($sock, IPPROTO_TCP, TCP_NODELAY, 1);
    $sock->autoflush(1);
    binmode $sock;
    if ($ssl) {
        require IO::Socket::SSL;
        IO::Socket::SSL->start_SSL($sock,
            SSL_verify_mode => 0,
            SSL_hostname => 'localhost',
            Timeout => $timeout,
        ) or return;
    }
    return $sock;
}

sub status  { $_[0]->{status} }
sub headers { $_[0]->{headers} || {} }
sub header  { $_[0]->{headers}{ lc $_[1] } }
sub head    { $_[0]->{head} }
sub body    { $_[0]->{body} }
sub key     { $_[0]->{key} }
sub socket  { $_[0]->{sock} }
sub eof     { $_[0]->{eof} }

# Write bytes; chunk => N writes N bytes at a time, delay => seconds
# between the chunks.
sub send_raw {
    my ($self, $data, %o) = @_;
    my $chunk = $o{chunk} || length($data) || 1;
    my $delay = $o{delay};
    my $off = 0;
    local $SIG{PIPE} = 'IGNORE';
    while ($off < length $data) {
        my $piece = substr $data, $off, $chunk;
        my $w = 0;
        while ($w < length $piece) {
            my $n = syswrite $self->{sock}, $piece, length($piece) - $w, $w;
            if (!defined $n) {
                next if $!{EINTR} || $!{EAGAIN};
                return 0;
            }
            $w += $n;
        }
        $off += length $piece;
        sleep $delay if $delay && $off < length $data;
    }
    return 1;
}

sub send_frame {
    my ($self, %o) = @_;
    my $split = delete $o{split};
    my $delay = delete $o{delay};
    return $self->send_raw(ws_frame(%o), chunk => $split,
                           delay => defined $delay ? $delay : 0);
}

sub send_text {
    my ($self, $text, %o) = @_;
    $text = Encode::encode('UTF-8', $text) if utf8::is_utf8($text);
    return $self->send_frame(opcode => 1, payload => $text, %o);
}

sub send_binary { my ($s, $d, %o) = @_; $s->send_frame(%o, opcode => 2, payload => $d) }
sub send_ping   { my ($s, $d, %o) = @_; $s->send_frame(%o, opcode => 9, payload => defined $d ? $d : '') }
sub send_pong   { my ($s, $d, %o) = @_; $s->send_frame(%o, opcode => 10, payload => defined $d ? $d : '') }

sub send_close {
    my ($self, $code, $reason, %o) = @_;
    my $p = '';
    $p = pack('n', $code) . (defined $reason ? $reason : '') if defined $code;
    return $self->send_frame(%o, opcode => 8, payload => $p);
}

# Read more bytes into the buffer; false on timeout or EOF.
sub _fill {
    my ($self, $deadline) = @_;
    return 0 if $self->{eof};
    my $sock = $self->{sock};
    my $left = $deadline - time;
    my $pending = $sock->can('pending') ? $sock->pending : 0;
    if (!$pending) {
        return 0 if $left <= 0;
        my $sel = IO::Select->new($sock);
        return 0 unless $sel->can_read($left);
    }
    my $n = sysread $sock, my $data, 65536;
    if (!defined $n) {
        return 1 if $!{EINTR} || $!{EAGAIN} || $!{EWOULDBLOCK};
        if (ref($sock) =~ /SSL/ && $IO::Socket::SSL::SSL_ERROR
            && $IO::Socket::SSL::SSL_ERROR
               == IO::Socket::SSL::SSL_WANT_READ())
        {
            return 1;
        }
        $self->{eof} = 1;
        $self->{read_error} = "$!";
        return 0;
    }
    if ($n == 0) {
        $self->{eof} = 1;
        return 0;
    }
    $self->{buf} .= $data;
    $self->{bytes_read} += $n;
    return 1;
}

# Parse one frame off the buffer if complete.
sub _parse {
    my ($self) = @_;
    my $b = \$self->{buf};
    return if length $$b < 2;
    my ($b0, $b1) = unpack 'CC', $$b;
    my $masked = $b1 & 0x80;
    my $len = $b1 & 0x7f;
    my $off = 2;
    if ($len == 126) {
        return if length $$b < 4;
        $len = unpack 'n', substr $$b, 2, 2;
        $off = 4;
    } elsif ($len == 127) {
        return if length $$b < 10;
        $len = unpack 'Q>', substr $$b, 2, 8;
        $off = 10;
    }
    my $key;
    if ($masked) {
        return if length $$b < $off + 4;
        $key = substr $$b, $off, 4;
        $off += 4;
    }
    return if length $$b < $off + $len;
    my $payload = substr $$b, $off, $len;
    substr($$b, 0, $off + $len) = '';
    $payload = _xor_mask($payload, $key) if $masked;
    my $f = {
        fin => ($b0 & 0x80) ? 1 : 0,
        rsv => ($b0 >> 4) & 7,
        opcode => $b0 & 0x0f,
        masked => $masked ? 1 : 0,
        length => $len,
        header_length => $off,
        payload => $payload,
    };
    if ($f->{opcode} == 8) {
        if ($len >= 2) {
            $f->{code} = unpack 'n', $payload;
            $f->{reason} = substr $payload, 2;
        }
    }
    return $f;
}

# The next frame, or undef on timeout/EOF (then ->eof tells which).
sub recv_frame {
    my ($self, $timeout) = @_;
    $timeout = $self->{timeout} unless defined $timeout;
    my $deadline = time + $timeout;
    while (1) {
        my $f = $self->_parse;
        return $f if $f;
        return undef unless $self->_fill($deadline);
    }
}

# All frames that arrive within $timeout (or until EOF).
sub recv_frames {
    my ($self, $timeout) = @_;
    my @f;
    while (my $f = $self->recv_frame($timeout)) {
        push @f, $f;
    }
    return @f;
}

# The payload of the next text frame (data frames only; control frames
# other than close are skipped, close returns undef).
sub recv_text {
    my ($self, $timeout) = @_;
    while (my $f = $self->recv_frame($timeout)) {
        next if $f->{opcode} == 9 || $f->{opcode} == 10;
        if ($f->{opcode} == 8) {
            $self->{close_frame} = $f;
            return undef;
        }
        return $f->{payload};
    }
    return undef;
}

# Wait for a close frame (skipping others); returns the frame or undef.
sub recv_close {
    my ($self, $timeout) = @_;
    while (my $f = $self->recv_frame($timeout)) {
        return $f if $f->{opcode} == 8;
        push @{ $self->{skipped} }, $f;
    }
    return undef;
}

# True when the server closed the TCP connection within $timeout
# (anything else it sends is discarded).
sub wait_eof {
    my ($self, $timeout) = @_;
    $timeout = $self->{timeout} unless defined $timeout;
    my $deadline = time + $timeout;
    while (!$self->{eof}) {
        last unless $self->_fill($deadline);
        $self->{buf} = '';
    }
    return $self->{eof};
}

sub close {
    my ($self) = @_;
    if ($self->{sock}) {
        CORE::close($self->{sock});
        delete $self->{sock};
    }
}

sub DESTROY { $_[0]->close }

# --- Engine.IO over this socket ---------------------------------------

# Next Engine.IO packet (text frame payload).  auto_pong => 1 answers
# server pings ("2") with "3" and keeps reading.
sub eio_recv {
    my ($self, %o) = @_;
    my $timeout = defined $o{timeout} ? $o{timeout} : $self->{timeout};
    my $deadline = time + $timeout;
    while (1) {
        my $left = $deadline - time;
        return undef if $left <= 0;
        my $p = $self->recv_text($left);
        return undef unless defined $p;
        if ($o{auto_pong} && $p eq '2') {
            $self->send_text('3');
            next;
        }
        return $p;
    }
}

1;
