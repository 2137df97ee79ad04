package Test::Pad;

use strict;
use warnings;

our $VERSION = '0.1';

use Carp qw(croak);
use Cwd qw(abs_path);
use Cpanel::JSON::XS ();
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG setsid);
use Socket qw(SOL_SOCKET SO_REUSEADDR);
use Test::Base ();    # loaded now (its plan hook), imported lazily
use Test::More ();
use Time::HiRes qw(time sleep);

use Test::Pad::WebSocket qw(ws_frame ws_accept);
use Test::Pad::HTTP;
use Test::Pad::Nginx ();
use Test::Pad::Redis ();

our $ROOT = abs_path(dirname(__FILE__) . '/../../..');

our $NGINX = $ENV{TEST_PAD_NGINX} || $ENV{TEST_NGINX_BINARY}
             || '/usr/sbin/nginx';
our $MODULE = $ENV{TEST_PAD_MODULE} || "$ROOT/build/ngx_pad_module.so";
our $VALGRIND = $ENV{TEST_PAD_VALGRIND} || $ENV{TEST_NGINX_USE_VALGRIND}
                || 0;
our $VERBOSE = $ENV{TEST_PAD_VERBOSE} || 0;
our $KEEP = $ENV{TEST_PAD_KEEP} || 0;
our $LOG_LEVEL = $ENV{TEST_PAD_LOG_LEVEL} || 'debug';
our $SCALE = $ENV{TEST_PAD_TIMEOUT_SCALE} || ($VALGRIND ? 10 : 1);
our $FILE_TIMEOUT = $ENV{TEST_PAD_FILE_TIMEOUT} || 300;
our $LOAD_MODULE = 1;
our $REPEAT_EACH = 1;
our $WORKERS = 1;
our $BAD_LOG = qr/\[(?:alert|crit|emerg)\]|Sanitizer|runtime error/;

our @EXPORT = qw(
    run_tests repeat_each workers log_level no_load_module use_redis blocks plan
    no_shuffle no_diff filters add_block_preprocessor

    start_nginx free_port tmpdir scaled
    http_request http_get http_post http_start http_keepalive
    ws_connect ws_frame ws_accept
    eio_path eio_poll_open eio_poll_get eio_poll_post eio_ws_open
    sio_ws_connect json_decode json_encode
    start_redis node_run node_modules_dir
    wait_until
);

my $JSON = Cpanel::JSON::XS->new->utf8->canonical->allow_nonref;
sub json_decode { my $s = shift; my $r = eval { $JSON->decode($s) }; $r }
sub json_encode { $JSON->encode(shift) }

my @NGINXES;      # live Test::Pad::Nginx objects
my @REDISES;
my %CHILDREN;     # other pids we started
my $TB_IMPORTED;
my @PREPROCESSORS;

sub import {
    my ($class, @args) = @_;
    my $caller = caller;

    if (@args) {
        if (@args == 1 && $args[0] eq 'no_plan') {
            Test::More::plan('no_plan');
        } elsif (@args == 1 && $args[0] eq 'skip_all') {
            Test::More::plan(skip_all => 'skipped');
        } else {
            Test::More::plan(@args);
        }
    }

    # Test::Base must be imported at compile time of the test file (it
    # adds a source filter); only files with blocks need it.
    my $file = (caller)[1];
    if (open my $fh, '<', $file) {
        local $/;
        my $src = <$fh>;
        _tb() if defined $src && $src =~ /^__(?:DATA|END)__\r?$/m;
    }

    no strict 'refs';
    for my $name (@EXPORT) {
        *{"${caller}::$name"} = \&{"Test::Pad::$name"};
    }
    for my $name (qw(ok is isnt like unlike is_deeply cmp_ok pass fail
                     diag note skip done_testing subtest BAIL_OUT explain))
    {
        *{"${caller}::$name"} = \&{"Test::More::$name"};
    }
    strict->import;
    warnings->import;

    $SIG{ALRM} = sub {
        die "test file exceeded TEST_PAD_FILE_TIMEOUT ($FILE_TIMEOUT s)\n";
    };
    alarm($FILE_TIMEOUT * $SCALE);
    $SIG{PIPE} = 'IGNORE';
    # run the END cleanup when prove or timeout(1) stops the file
    for my $sig (qw(TERM INT HUP)) {
        $SIG{$sig} = sub {
            Test::More::diag("caught SIG$sig, stopping nginx and redis");
            exit 1;
        };
    }
}

sub _tb {
    return if $TB_IMPORTED++;
    croak 'Test::Pad: no __DATA__ blocks in this file' if ${^GLOBAL_PHASE} eq 'RUN' && 0;
    Test::Base->import(-package => "Test::Pad::TBSink");    # sets Test::Base's default object (main::DATA)
}

sub plan            { Test::More::plan(@_) }
sub blocks          { _tb(); Test::Base::blocks(@_) }
sub no_diff         { _tb(); Test::Base::no_diff(@_) }
sub filters         { _tb(); Test::Base::filters(@_) }
sub repeat_each     { $REPEAT_EACH = shift if @_; $REPEAT_EACH }
sub workers         { $WORKERS = shift if @_; $WORKERS }
sub log_level       { $LOG_LEVEL = shift if @_; $LOG_LEVEL }
sub no_load_module  { $LOAD_MODULE = 0 }

# A private redis-server for the whole file (started once, on demand);
# nginx gets "pad_redis 127.0.0.1:PORT;" when started with redis => 1, or
# in every block after use_redis().
our $USE_REDIS = 0;
my $FILE_REDIS;
sub use_redis { $USE_REDIS = 1 }
sub file_redis {
    return $FILE_REDIS if $FILE_REDIS && $FILE_REDIS->{pid};
    $FILE_REDIS = start_redis() or croak 'redis-server did not start';
    return $FILE_REDIS;
}
sub no_shuffle      { 1 }    # blocks always run in order
sub add_block_preprocessor { push @PREPROCESSORS, @_ }
sub scaled          { $_[0] * $SCALE }

sub _v { diag(@_) if $VERBOSE }
sub diag { Test::More::diag(@_) }

# --- ports, dirs ---------------------------------------------------------

my %PORTS_GIVEN;

sub free_port {
    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Proto => 'tcp',
                                      Listen => 1)
            or next;
        my $p = $s->sockport;
        close $s;
        next if $PORTS_GIVEN{$p}++;
        return $p;
    }
    croak 'no free port';
}

my $TMP_BASE;

sub tmpdir {
    my ($name) = @_;
    $TMP_BASE ||= tempdir('test-pad-XXXXXX', TMPDIR => 1,
                          CLEANUP => !$KEEP);
    chmod 0755, $TMP_BASE;
    my $d = tempdir(($name || 'd') . '-XXXX', DIR => $TMP_BASE);
    chmod 0755, $d;
    return $d;
}

sub wait_until {
    my ($cb, $timeout, $step) = @_;
    my $deadline = time + scaled($timeout || 5);
    while (time < $deadline) {
        my $r = $cb->();
        return $r if $r;
        sleep($step || 0.02);
    }
    return $cb->();
}

# --- nginx ---------------------------------------------------------------

sub start_nginx {
    my %o = @_;
    my $quiet = delete $o{quiet};
    my $ng = Test::Pad::Nginx->new(%o);
    if (!$ng->start) {
        my $e = "nginx did not start:\n" . ($ng->{start_error} // '');
        $quiet ? _v($e) : diag($e);
        return;
    }
    return $ng;
}

# --- HTTP and Engine.IO ---------------------------------------------------

sub _port_of {
    my ($t, $ssl) = @_;
    return $t unless ref $t;
    return $ssl ? $t->ssl_port : $t->port;
}

sub http_start {
    my ($t, %o) = @_;
    return Test::Pad::HTTP->start(%o, port => _port_of($t, $o{ssl}),
                                  timeout => scaled($o{timeout} || 5));
}

# A connection for several requests: $c->request(method, uri, body,
# headers, timeout) returns each response.
sub http_keepalive {
    my ($t, %o) = @_;
    my $port = _port_of($t, $o{ssl});
    my $sock = Test::Pad::WebSocket::_tcp_connect('127.0.0.1', $port,
                                                  scaled(5), undef, $o{ssl})
        or croak "connect to 127.0.0.1:$port failed: $!";
    my $timeout = scaled($o{timeout} || 5);
    return bless {
        sock => $sock, timeout => $timeout,
        ws => bless({ sock => $sock, buf => '', eof => 0,
                      timeout => $timeout }, 'Test::Pad::WebSocket'),
    }, 'Test::Pad::HTTP';
}

sub http_request {
    my ($t, %o) = @_;
    my $h = http_start($t, %o);
    my $r = $h->finish;
    $h->close;
    return $r;
}

sub http_get  { my ($t, $uri, %o) = @_; http_request($t, %o, uri => $uri) }

sub http_post {
    my ($t, $uri, $body, %o) = @_;
    return http_request($t, method => 'POST', headers => [
        'Content-Type' => 'text/plain;charset=UTF-8' ], %o,
        uri => $uri, body => $body);
}

our $EIO_PATH = '/socket.io/';

sub eio_path {
    my (%q) = @_;
    my $path = delete($q{path}) || $EIO_PATH;
    my %d = (EIO => 4, transport => 'polling');
    %d = (%d, %q);
    my @k = grep { defined $d{$_} } ('EIO', 'transport', 'sid',
        sort grep { !/^(EIO|transport|sid)$/ } keys %d);
    return $path . '?' . join '&', map { "$_=$d{$_}" } @k;
}

# Engine.IO polling handshake: returns ($sid, $open_hash, $response).
sub eio_poll_open {
    my ($t, %o) = @_;
    my $q = delete $o{query} || {};
    my $path = delete $o{path};
    my $r = http_get($t, eio_path(%$q, path => $path,
                                  t => 'x' . int(rand 1e6)), %o);
    my $open;
    if ($r->{status} == 200 && $r->{body} =~ /^0(\{.*\})$/s) {
        $open = json_decode($1);
    }
    return ($open ? $open->{sid} : undef, $open, $r);
}

sub eio_poll_get {
    my ($t, $sid, %o) = @_;
    my $q = delete $o{query} || {};
    my $path = delete $o{path};
    return http_get($t, eio_path(%$q, path => $path, sid => $sid), %o);
}

sub eio_poll_post {
    my ($t, $sid, $body, %o) = @_;
    my $q = delete $o{query} || {};
    my $path = delete $o{path};
    return http_post($t, eio_path(%$q, path => $path, sid => $sid), $body,
                     %o);
}

our $DIE_ON_SILENCE = 1;

sub ws_connect {
    my ($t, $path, %o) = @_;
    my $ws = Test::Pad::WebSocket->connect(%o, port => _port_of($t, $o{ssl}),
        path => $path, timeout => scaled($o{timeout} || 5));
    if (!$ws->status && $DIE_ON_SILENCE && !$o{allow_silence}) {
        # a handshake always gets an answer: a hung or crashed worker
        # would make every following test wait for its timeout
        my $why = ref $t ? join("\n", $t->log =~ /(.*exited on signal.*)/g)
                         : '';
        die "no answer to the WebSocket handshake for $path"
            . ($why ? " ($why)" : ' (worker hung?)') . "\n";
    }
    return $ws;
}

# Direct Engine.IO WebSocket (no sid), or the upgrade of a polling sid:
# returns ($ws, $open_hash or undef).
sub eio_ws_open {
    my ($t, %o) = @_;
    my $q = delete $o{query} || {};
    my $sid = delete $o{sid};
    my $path = delete $o{path};
    my $ws = ws_connect($t, eio_path(%$q, path => $path,
                                     transport => 'websocket', sid => $sid),
                        %o);
    return ($ws, undef) if $ws->status != 101 || defined $sid;
    my $p = $ws->recv_text;
    my $open = (defined $p && $p =~ /^0(\{.*\})$/s) ? json_decode($1)
                                                    : undef;
    $ws->{eio_open} = $open;
    $ws->{eio_first} = $p;
    return ($ws, $open);
}

# Engine.IO WebSocket plus Socket.IO CONNECT to "/":
# returns ($ws, $open_hash, $socketio_sid).
sub sio_ws_connect {
    my ($t, %o) = @_;
    my ($ws, $open) = eio_ws_open($t, %o);
    return ($ws, $open, undef) unless $open;
    $ws->send_text('40');
    my $p = $ws->eio_recv(auto_pong => 1);
    my $sid;
    if (defined $p && $p =~ /^40(\{.*\})$/) {
        my $j = json_decode($1);
        $sid = $j->{sid} if $j;
    }
    return ($ws, $open, $sid);
}

# --- redis ----------------------------------------------------------------

sub start_redis {
    my %o = @_;
    my $r = Test::Pad::Redis->new(%o);
    $r->start or return;
    return $r;
}

# --- node -----------------------------------------------------------------

sub node_modules_dir {
    my ($pkg) = @_;
    return "$ROOT/util/npm/$pkg/node_modules";
}

# Run a node script with arguments; returns ($exit_code, $stdout,
# $stderr).  env => {...}, npm => 'socketio-client' (NODE_PATH),
# timeout => seconds.
sub node_run {
    my ($script, %o) = @_;
    require IPC::Run;
    $script = "$ROOT/t/js/$script" unless $script =~ m{/};
    my @cmd = ('node', $script, @{ $o{args} || [] });
    local $ENV{NODE_PATH} = join ':', map { node_modules_dir($_) }
                            @{ $o{npm} || ['socketio-client'] };
    local %ENV = (%ENV, %{ $o{env} || {} });
    my ($in, $out, $err) = ('', '', '');
    my $h = IPC::Run::start(\@cmd, \$in, \$out, \$err,
                            IPC::Run::timeout(scaled($o{timeout} || 30)));
    my $rc = eval { $h->finish; $? >> 8 };
    if ($@) {
        $h->kill_kill;
        return (-1, $out, "$err\n[node_run: $@]");
    }
    _v("node $script: rc=$rc\n$out\n$err");
    return ($rc, $out, $err);
}

# --- data-driven runner ---------------------------------------------------

my $CURRENT;          # nginx object of the last block
my $CURRENT_KEY = '';

sub _block_config {
    my ($block) = @_;
    my %c;
    for my $s (qw(main_config http_config config events_config)) {
        my $v = $block->$s;
        $c{$s} = defined $v ? $v : '';
    }
    $c{workers} = $block->workers || $WORKERS;
    $c{log_level} = $block->log_level || $LOG_LEVEL;
    $c{ssl} = $block->ssl ? 1 : 0;
    $c{redis} = 1 if $USE_REDIS;
    return %c;
}

sub run_tests {
    _tb();
    Test::More::plan('no_plan') unless Test::More->builder->has_plan;

    for my $block (Test::Base::blocks()) {
        $_->($block) for @PREPROCESSORS;
        my $repeat = $block->repeat_each || $REPEAT_EACH;
        for my $i (1 .. $repeat) {
            _run_block($block, $i);
        }
    }
    if ($CURRENT) {
        $CURRENT->stop;
        undef $CURRENT;
        $CURRENT_KEY = '';
    }
}

sub _lines {
    my ($v) = @_;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    return ($v) if ref $v;
    return grep { length } split /\n/, $v;
}

sub _run_block {
    my ($block, $rep) = @_;
    my $name = $block->name . ($rep > 1 ? " (repeat $rep)" : '');
    my %conf = _block_config($block);
    my $key = join "\0", map { "$_=$conf{$_}" } sort keys %conf;

    if (defined $block->skip_nginx) {
        return;
    }

    if (defined $block->must_die) {
        if ($CURRENT) { $CURRENT->stop; undef $CURRENT; $CURRENT_KEY = '' }
        my $ng = Test::Pad::Nginx->new(%conf);
        my ($ok, $out) = $ng->test_config;
        Test::More::ok(!$ok, "$name - nginx refuses the configuration");
        for my $l (_lines($block->error_log)) {
            if (ref $l eq 'Regexp') {
                Test::More::like($out, $l, "$name - nginx -t output like $l");
            } else {
                Test::More::ok(index($out, $l) >= 0,
                               "$name - nginx -t output has \"$l\"")
                    or diag($out);
            }
        }
        return;
    }

    if (!$CURRENT || $CURRENT_KEY ne $key || !$CURRENT->alive) {
        if ($CURRENT) { $CURRENT->stop; undef $CURRENT }
        $CURRENT = Test::Pad::Nginx->new(%conf);
        if (!$CURRENT->start) {
            Test::More::fail("$name - nginx started");
            diag($CURRENT->{start_error} || '');
            undef $CURRENT;
            $CURRENT_KEY = '';
            return;
        }
        $CURRENT_KEY = $key;
    }
    my $ng = $CURRENT;
    my $mark = $ng->log_mark;

    my $timeout = $block->timeout;
    $timeout = 3 unless defined $timeout;
    $timeout = scaled($timeout);

    my %req = (timeout => $timeout, ssl => $conf{ssl});
    if (defined(my $raw = $block->raw_request)) {
        $req{raw} = $raw;
        $req{delay} = $block->raw_request_middle_delay;
    } elsif (defined(my $r = $block->request)) {
        $r =~ s/^\s+//;
        my ($line, $body) = split /\n/, $r, 2;
        $line =~ s/\s+$//;
        my ($method, $uri, $proto) = split /\s+/, $line;
        my @h;
        for my $hl (_lines($block->more_headers)) {
            my ($n, $v) = $hl =~ /^([^:]+):\s*(.*)$/ or next;
            push @h, $n, $v;
        }
        if ($proto && $proto ne 'HTTP/1.1') {
            my $raw = "$method $uri $proto\r\n";
            $raw .= "$h[$_*2]: $h[$_*2+1]\r\n" for 0 .. @h / 2 - 1;
            $raw .= "\r\n";
            $raw .= $body if defined $body;
            $req{raw} = $raw;
        } else {
            chomp $body if defined $body && $block->chomp_body;
            %req = (%req, method => $method, uri => $uri, headers => \@h,
                    (defined $body && length $body ? (body => $body) : ()));
        }
    }

    if ($req{raw} || $req{method}) {
        my $res = http_request($ng, %req);
        _v("$name: response\n$res->{raw_headers}$res->{body}");

        if ($res->{timed_out} && !defined $block->abort) {
            Test::More::fail("$name - response within ${timeout}s");
        }
        if (defined(my $code = $block->error_code)) {
            $code =~ s/\s+//g;
            Test::More::is($res->{status}, $code, "$name - status code ok");
        }
        if (defined(my $re = $block->error_code_like)) {
            $re =~ s/^\s+|\s+$//g;
            Test::More::like($res->{status}, qr/$re/,
                             "$name - status code like");
        }
        for my $hl (_lines($block->response_headers)) {
            if ($hl =~ /^!\s*(\S+)/) {
                Test::More::ok(!exists $res->{headers}{ lc $1 },
                               "$name - header $1 absent");
            } elsif ($hl =~ /^([^:]+):\s*(.*?)\s*$/) {
                Test::More::is($res->{headers}{ lc $1 }, $2,
                               "$name - header $1 ok");
            }
        }
        for my $re (_lines($block->response_headers_like)) {
            if ($re =~ /^([^:]+):\s*(.*?)\s*$/) {
                Test::More::like($res->{headers}{ lc $1 } // '', qr/$2/,
                                 "$name - header $1 like");
            }
        }
        if (defined(my $re = $block->raw_response_headers_like)) {
            $re = qr/$re/ unless ref $re;
            Test::More::like($res->{raw_headers}, $re,
                             "$name - raw response headers like");
        }
        if (defined(my $b = $block->response_body)) {
            Test::More::is($res->{body}, $b, "$name - response_body ok");
        }
        if (defined(my $re = $block->response_body_like)) {
            $re = qr/$re/s unless ref $re;
            Test::More::like($res->{body}, $re,
                             "$name - response_body_like ok");
        }
        if (defined(my $re = $block->response_body_unlike)) {
            $re = qr/$re/s unless ref $re;
            Test::More::unlike($res->{body}, $re,
                               "$name - response_body_unlike ok");
        }
    }

    if (defined(my $w = $block->wait)) {
        sleep(scaled($w));
    }

    # error_log lines may need a moment to be written
    my @want = _lines($block->error_log);
    if (@want) {
        wait_until(sub {
            my $log = $ng->log_since($mark);
            !grep { ref $_ eq 'Regexp' ? $log !~ $_ : index($log, $_) < 0 }
                @want;
        }, 1);
    }
    my $log = $ng->log_since($mark);
    for my $l (@want) {
        if (ref $l eq 'Regexp') {
            Test::More::like($log, $l, "$name - error_log like $l");
        } else {
            Test::More::ok(index($log, $l) >= 0,
                           "$name - error_log has \"$l\"");
        }
    }
    if (defined(my $pat = $block->grep_error_log)) {
        $pat = ref $pat ? $pat : do { (my $x = $pat) =~ s/\s+$//; qr/\Q$x\E/ };
        my @m;
        while ($log =~ /($pat)/g) { push @m, $1 }
        my $want = $block->grep_error_log_out;
        $want = '' unless defined $want;
        Test::More::is(join('', map { "$_\n" } @m), $want,
                       "$name - grep_error_log_out");
    }
    for my $l (_lines($block->no_error_log)) {
        if (ref $l eq 'Regexp') {
            Test::More::unlike($log, $l, "$name - no error_log $l");
        } else {
            my $i = index($log, $l);
            Test::More::ok($i < 0, "$name - no error_log \"$l\"")
                or diag(substr($log, $i > 200 ? $i - 200 : 0, 600));
        }
    }
    $ng->check_log($name);
}

END {
    local $?;
    alarm 0;
    for my $ng (@NGINXES) {
        $ng->stop if $ng && $ng->{pid};
    }
    for my $r (@REDISES) {
        $r->stop if $r;
    }
    for my $pid (keys %CHILDREN) {
        kill 'KILL', $pid;
        waitpid $pid, 0;
    }
}

sub _register_nginx { push @NGINXES, $_[0] }
sub _register_redis { push @REDISES, $_[0] }

1;

__END__

=head1 NAME

Test::Pad - Test::Nginx-style harness for ngx_pad_module

=head1 SYNOPSIS

Data-driven, as with Test::Nginx::Socket:

    use FindBin; use lib "$FindBin::Bin/lib";
    use Test::Pad 'no_plan';

    run_tests();

    __DATA__

    === TEST 1: polling handshake
    --- config
    location /socket.io/ { pad_socketio; }
    --- request
    GET /socket.io/?EIO=4&transport=polling
    --- error_code: 200
    --- response_body_like: ^0\{"sid":"[^"]+"
    --- no_error_log
    [error]

Imperative, for multi-step sessions (nginx-tests style):

    my $ng = start_nginx(config => 'location /socket.io/ { pad_socketio; }',
                         workers => 2);
    my ($ws, $open) = eio_ws_open($ng);
    $ws->send_text('40');
    is($ws->eio_recv(auto_pong => 1), ...);
    $ws->send_frame(opcode => 1, payload => "x", mask => 0);
    my $f = $ws->recv_close;           # {code => 1002, ...}
    $ng->reload; $ng->stop;            # stop also checks error.log

=head1 DESCRIPTION

Every nginx runs the real binary (C</usr/sbin/nginx>, or
C<TEST_PAD_NGINX>) with C<load_module E<lt>repoE<gt>/build/ngx_pad_module.so>,
C<daemon off>, a master process, in its own temporary prefix (mode 0755,
all C<*_temp_path> inside it), listening on a free 127.0.0.1 port.  The
error log is C<logs/error.log> at level C<debug> (C<TEST_PAD_LOG_LEVEL>,
C<log_level()>, C<--- log_level>).

After every block, and when an nginx stops, the part of error.log not yet
checked must contain no C<[alert]>, C<[crit]>, C<[emerg]>, C<Sanitizer> or
C<runtime error> line; that is one C<ok> each.  Stopping sends QUIT and,
after 10 s (scaled), KILLs the master and its workers.  An C<END> block
stops every nginx and redis-server the file started, so nothing is left
behind even when a test dies.  The whole file is aborted after
C<TEST_PAD_FILE_TIMEOUT> seconds (default 300).

=head2 Files

One package per file under F<t/lib/Test/>: F<Pad.pm> (this harness, its
exports and the data-driven runner), F<Pad/Nginx.pm> (Test::Pad::Nginx,
one nginx), F<Pad/Redis.pm> (Test::Pad::Redis), F<Pad/HTTP.pm> and
F<Pad/WebSocket.pm> (the clients); Test::Pad loads them.  The pad engine
tests add F<Pad/Engine.pm> (C<use Test::Pad::Engine>) and its tracked
client, F<Pad/Engine/Client.pm>.

=head2 Block sections

C<main_config>, C<http_config>, C<config> (inside the C<server {}>),
C<events_config>, C<workers>, C<log_level>, C<ssl> (adds a second
C<listen ... ssl> with a generated self-signed certificate and sends the
request over TLS), C<request> (C<METHOD URI [PROTO]>, further lines are
the body; C<chomp_body> strips its last newline), C<raw_request> (exact
bytes; use C<eval>; an array ref is sent in pieces,
C<raw_request_middle_delay> apart), C<more_headers>, C<error_code_like>, C<timeout> (default
3 s), C<abort> (a timeout is not a failure), C<wait> (seconds to sleep
before the log checks), C<error_code>, C<response_headers> (C<Name: value>
or C<!Name>), C<response_headers_like>, C<raw_response_headers_like>,
C<response_body>, C<response_body_like>, C<response_body_unlike>,
C<error_log> and C<no_error_log> (one substring per line, or C<eval> with
C<qr//> or an array ref), C<grep_error_log> (a substring or C<eval qr//>)
with C<grep_error_log_out> (the matches, one per line), C<must_die> (C<nginx -t> must fail;
C<error_log> is then matched against its output), C<repeat_each>,
C<skip_nginx>, and Test::Base's C<ONLY>, C<SKIP>, C<LAST>.
Remember Test::Base's C<chomp> filter (C<--- response_body chomp>).

Config sections expand C<$TEST_NGINX_SERVER_PORT>, C<$TEST_PAD_PORT>,
C<$TEST_PAD_SSL_PORT>, C<$TEST_PAD_PREFIX>, C<$TEST_PAD_ROOT>,
C<$TEST_NGINX_HTML_DIR> and any other C<$TEST_NGINX_*>/C<$TEST_PAD_*>
environment variable.

Blocks with the same configuration share one nginx; a different
configuration restarts it.  Globals: C<repeat_each(N)>, C<workers(N)>,
C<log_level('info')>, C<no_load_module()> (plain nginx), C<use_redis()>
(every block gets C<pad_redis> pointing at a private redis-server),
C<add_block_preprocessor(sub { my $block = shift; ... })>.

=head2 Imperative helpers

=over

=item start_nginx(%o)

C<config>, C<http_config>, C<main_config>, C<events_config>, C<workers>,
C<log_level>, C<ssl>, C<listen_opts> (e.g. C<reuseport>), C<load_module>,
C<redis> (1: a private redis-server for the file, or a Test::Pad::Redis;
adds C<pad_redis 127.0.0.1:PORT;> to C<http {}>),
C<quiet> (no diagnostics when it does not start),
C<worker_shutdown_timeout>,
C<master_process>.  Returns a Test::Pad::Nginx (or undef when it did not
start; C<< $ng->{start_error} >>).  Methods: C<port>, C<ssl_port>,
C<prefix>, C<pid>, C<worker_pids>, C<alive>, C<log>, C<log_mark>,
C<log_since($mark)>, C<log_count(qr//, $mark)> (matching lines), C<wait_log(qr//, $timeout, $mark)>, C<check_log>,
C<signal('HUP')>, C<wait_exit(\@pids, $timeout)>, C<reload> (HUP, waits for the new workers, returns the
old worker pids), C<stop> (QUIT; returns true when nginx exited within
the timeout; then checks the log and valgrind output), C<test_config>.

=item http_request($ng, method, uri, headers => [n, v, ...], body, raw, ssl, timeout)

Returns C<{status, reason, headers => {lowercase => value}, raw_headers,
body, timed_out}>.  C<http_get($ng, $uri)>, C<http_post($ng, $uri,
$body)>.  C<http_start(...)> sends now and returns a handle whose
C<< ->finish($timeout) >> reads the answer later (a pending long-poll GET);
C<< ->ready($wait) >> tells whether something arrived.
C<http_keepalive($ng)> returns a connection whose C<< ->request(method =>,
uri =>, body =>, headers => [...]) >> sends one request after another
(HTTP/1.1 keep-alive) and returns each response.

=item ws_connect($ng, $path, %o)

A Test::Pad::WebSocket.  Options: C<key>, C<version>, C<method>,
C<headers> (extra or overriding headers), C<omit> (header names to
leave out), C<append> (bytes sent in the same write as the handshake),
C<raw_request>, C<allow_silence> (by default the test file dies when a
handshake gets no answer at all, so that a hung or crashed worker does not
make every later test wait for its timeout; C<$Test::Pad::DIE_ON_SILENCE
= 0> turns that off), C<chunk>/C<chunk_delay> (write the handshake N bytes at a
time), C<ssl>, C<rcvbuf> (SO_RCVBUF before connect),
C<timeout>.  C<< $ws->status >>, C<header($name)>, C<body>, C<key>.

Sending: C<send_frame(opcode, payload, fin, rsv, mask => 0, mask_key,
len16, len64, len, split => N bytes per write, delay)>, C<send_text>,
C<send_binary>, C<send_ping>, C<send_pong>, C<send_close($code, $reason)>,
C<send_raw($bytes, chunk => N, delay => s)>; C<ws_frame(%o)> returns the
bytes of one frame (for pipelining several frames in one write) and
C<ws_accept($key)> the expected Sec-WebSocket-Accept.

Receiving: C<recv_frame($timeout)> returns C<{opcode, fin, rsv, masked,
length, payload, code, reason}> or undef (timeout, or EOF: C<< $ws->eof >>),
C<recv_frames>, C<recv_text>, C<recv_close>, C<wait_eof($timeout)>.

=item Engine.IO and Socket.IO

C<eio_path(%query)> builds C</socket.io/?EIO=4&transport=polling...>
(C<path =E<gt>> to change the location, C<EIO =E<gt> undef> to leave a
parameter out).  All the helpers below take C<path =E<gt>> and
C<query =E<gt> {...}> too.  C<eio_poll_open($ng)> returns C<($sid, $open, $res)>;
C<eio_poll_get($ng, $sid)>, C<eio_poll_post($ng, $sid, $body)>.
C<eio_ws_open($ng, sid =E<gt> $sid)> returns C<($ws, $open)> (no open
packet when upgrading a sid).  C<< $ws->eio_recv(auto_pong => 1, timeout
=> s) >> returns the next packet.  C<sio_ws_connect($ng)> returns C<($ws,
$open, $socketio_sid)> after C<40> / C<40{"sid":...}>.

=item start_redis(%o)

Starts C<redis-server --bind 127.0.0.1 --port FREE --save '' --appendonly
no --dir TMP>; methods C<port>, C<client> (a Redis.pm object), C<stop>.

=item node_run($script, args => [...], timeout => s, npm => ['socketio-client'])

Runs C<t/js/$script> with C<NODE_PATH> set to
C<util/npm/E<lt>pkgE<gt>/node_modules>; returns C<($rc, $stdout, $stderr)>.

=item free_port, tmpdir, wait_until(sub {...}, $timeout), scaled($seconds),
json_decode, json_encode

=back

=head1 ENVIRONMENT

=over

=item TEST_PAD_NGINX (or TEST_NGINX_BINARY)

The nginx binary (default C</usr/sbin/nginx>), e.g. an ASan build; then
C<ASAN_OPTIONS=detect_odr_violation=0> and C<LSAN_OPTIONS> with
C<t/lsan.supp> are set unless already set.

=item TEST_PAD_MODULE

The module (default C<build/ngx_pad_module.so>).

=item TEST_PAD_VALGRIND=1 (or TEST_NGINX_USE_VALGRIND)

Runs nginx under valgrind memcheck (master and workers, logs in
C<logs/valgrind.PID.log> of the prefix, suppressions C<t/valgrind.supp>);
each stop fails on memcheck errors or definite leaks.  Timeouts are
multiplied by 10 (C<TEST_PAD_TIMEOUT_SCALE>).

=item TEST_PAD_VERBOSE=1

Prints configs, responses and node output as diagnostics.

=item TEST_PAD_KEEP=1

Keeps the temporary prefixes (printed with TEST_PAD_VERBOSE).

=item TEST_PAD_LOG_LEVEL, TEST_PAD_TIMEOUT_SCALE, TEST_PAD_FILE_TIMEOUT

=back

=cut
