package Test::Pad::Nginx;

# One nginx of a test file (Test::Pad::start_nginx(), the blocks of
# run_tests()): its nginx.conf in a temporary prefix, start, reload, stop
# with the checks of error.log (and of valgrind's logs), the log helpers.
# Loaded by Test::Pad; see its documentation.

use strict;
use warnings;
use Carp qw(croak);
use File::Path ();
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More ();
use Time::HiRes qw(time sleep);
use Scalar::Util qw(weaken);

use Test::Pad ();

my $SSL_CERT;    # [cert, key], generated once per test file

sub _ssl_cert {
    return @$SSL_CERT if $SSL_CERT;
    my $d = Test::Pad::tmpdir('ssl');
    my ($c, $k) = ("$d/cert.pem", "$d/key.pem");
    my $out = `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '$k' -out '$c' -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>&1`;
    croak "openssl req failed: $out" if $? || !-s $c;
    chmod 0644, $c, $k;
    $SSL_CERT = [$c, $k];
    return @$SSL_CERT;
}

sub new {
    my ($class, %o) = @_;
    my $self = bless {
        main_config => '', http_config => '', config => '',
        events_config => '',
        workers => $Test::Pad::WORKERS, log_level => $Test::Pad::LOG_LEVEL,
        ssl => 0, load_module => $Test::Pad::LOAD_MODULE,
        %o,
    }, $class;
    $self->{prefix} ||= Test::Pad::tmpdir('nginx');
    if ($self->{redis} && !$self->{redis_port}) {
        $self->{redis_port} = ref $self->{redis} ? $self->{redis}->port
                                                 : Test::Pad::file_redis()->port;
    }
    $self->{port} ||= Test::Pad::free_port();
    $self->{ssl_port} ||= Test::Pad::free_port() if $self->{ssl};
    return $self;
}

sub port     { $_[0]->{port} }
sub ssl_port { $_[0]->{ssl_port} }
sub prefix   { $_[0]->{prefix} }
sub pid      { $_[0]->{pid} }
sub error_log_path { "$_[0]->{prefix}/logs/error.log" }

sub _expand {
    my ($self, $s) = @_;
    return '' unless defined $s;
    my %v = (
        TEST_NGINX_SERVER_PORT => $self->{port},
        TEST_NGINX_PORT => $self->{port},
        TEST_PAD_PORT => $self->{port},
        TEST_PAD_SSL_PORT => $self->{ssl_port} || '',
        TEST_NGINX_HTML_DIR => "$self->{prefix}/html",
        TEST_PAD_PREFIX => $self->{prefix},
        TEST_PAD_ROOT => $Test::Pad::ROOT,
        TEST_PAD_REDIS_PORT => $self->{redis_port} || '',
    );
    $s =~ s/\$(TEST_(?:NGINX|PAD)_[A-Z0-9_]+)/
        exists $v{$1} ? $v{$1} : defined $ENV{$1} ? $ENV{$1} : "\$$1"/ge;
    return $s;
}

sub write_config {
    my ($self) = @_;
    my $p = $self->{prefix};
    for my $d (qw(conf logs html tmp)) {
        File::Path::make_path("$p/$d");
        chmod 0755, "$p/$d";
    }
    # workers run as nobody when the suite runs as root
    chmod 0777, "$p/tmp";

    my $conf = '';
    if ($self->{load_module}) {
        croak "module $Test::Pad::MODULE not built (run make)"
            unless -f $Test::Pad::MODULE;
        $conf .= "load_module $Test::Pad::MODULE;\n";
    }
    my $master = $self->{master_process} // 'on';
    $conf .= <<"EOF";
daemon off;
master_process $master;
worker_processes $self->{workers};
pid logs/nginx.pid;
error_log logs/error.log $self->{log_level};
EOF
    $conf .= "worker_shutdown_timeout $self->{worker_shutdown_timeout};\n"
        if $self->{worker_shutdown_timeout};
    $conf .= $self->_expand($self->{main_config}) . "\n";

    my $lo = $self->{listen_opts} ? " $self->{listen_opts}" : '';
    my $listen = "listen 127.0.0.1:$self->{port}$lo;";
    my $ssl = '';
    if ($self->{ssl}) {
        my ($c, $k) = _ssl_cert();
        $listen .= "\n        listen 127.0.0.1:$self->{ssl_port} ssl;";
        $ssl = "ssl_certificate $c;\n        ssl_certificate_key $k;";
    }
    my $events = $self->_expand($self->{events_config});
    my $http = $self->_expand($self->{http_config});
    $http = "pad_redis 127.0.0.1:$self->{redis_port};\n    $http"
        if $self->{redis} && $self->{load_module};
    # every test starts a new Redis: only the tests of Redis losing data
    # wait for pad_redis_lost_grace before a new pad is created
    $http = "pad_redis_lost_grace 0;\n    $http"
        if $self->{load_module} && $http !~ /pad_redis_lost_grace/;
    my $server = $self->_expand($self->{config});
    $conf .= <<"EOF";
events {
    worker_connections 1024;
    $events
}
http {
    access_log logs/access.log;
    client_body_temp_path tmp/client_body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    default_type text/plain;
    $http
    server {
        $listen
        server_name localhost;
        $ssl
        $server
    }
}
EOF
    open my $fh, '>', "$p/conf/nginx.conf" or croak "$p/conf/nginx.conf: $!";
    print $fh $conf;
    close $fh;
    $self->{conf_text} = $conf;
    Test::Pad::_v("nginx.conf:\n$conf");
    return "$p/conf/nginx.conf";
}

sub _cmd {
    my ($self, @args) = @_;
    my @cmd = ($Test::Pad::NGINX, '-p', "$self->{prefix}/", '-c',
               'conf/nginx.conf', @args);
    if ($Test::Pad::VALGRIND && !@args) {
        my $supp = "$Test::Pad::ROOT/t/valgrind.supp";
        unshift @cmd, 'valgrind', '--tool=memcheck', '--leak-check=full',
            '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite',
            '--num-callers=40', '-s', '--keep-debuginfo=yes', '--child-silent-after-fork=no',
            "--log-file=$self->{prefix}/logs/valgrind.%p.log",
            (-f $supp ? ("--suppressions=$supp") : ());
    }
    return @cmd;
}

sub _env {
    $ENV{ASAN_OPTIONS} //= 'detect_odr_violation=0';
    my $lsan = "$Test::Pad::ROOT/t/lsan.supp";
    $ENV{LSAN_OPTIONS} //= "suppressions=$lsan" if -f $lsan;
}

# nginx -t; returns (ok, output)
sub test_config {
    my ($self) = @_;
    $self->write_config;
    _env();
    my @cmd = $self->_cmd('-t');
    my $out = `@cmd 2>&1`;
    return ($? == 0, $out);
}

sub start {
    my ($self) = @_;
    my $conf = eval { $self->write_config };
    if (!$conf) {
        $self->{start_error} = $@;
        Test::More::diag("nginx not started: $@");
        return 0;
    }
    _env();
    my @cmd = $self->_cmd;
    for my $attempt (1 .. 3) {
        my $out = "$self->{prefix}/logs/stderr.log";
        my $pid = fork;
        croak "fork: $!" unless defined $pid;
        if (!$pid) {
            POSIX::setpgid(0, 0);
            open STDIN, '<', '/dev/null';
            open STDOUT, '>>', $out;
            open STDERR, '>>', $out;
            exec @cmd or POSIX::_exit(127);
        }
        $self->{pid} = $pid;
        Test::Pad::_register_nginx($self);
        Test::Pad::_v("nginx pid $pid: @cmd");

        my $deadline = time + Test::Pad::scaled(10);
        my $up = 0;
        while (time < $deadline) {
            if (waitpid($pid, WNOHANG) == $pid) {
                $self->{exit_status} = $?;
                delete $self->{pid};
                last;
            }
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                          PeerPort => $self->{port},
                                          Proto => 'tcp');
            if ($s) {
                close $s;
                if (!$self->{ssl} || $self->_wait_port($self->{ssl_port})) {
                    $up = 1;
                    last;
                }
            }
            sleep 0.02;
        }
        if ($up) {
            # with a master process, wait for its workers to exist
            if (($self->{master_process} // 'on') eq 'on') {
                Test::Pad::wait_until(sub {
                    scalar($self->worker_pids) >= $self->{workers} }, 5);
            }
            return 1;
        }
        my $err = '';
        $err .= _slurp($out);
        $err .= _slurp($self->error_log_path);
        $self->{start_error} = $err;
        $self->stop(1) if $self->{pid};
        if ($err =~ /Address already in use/ && $attempt < 3) {
            $self->{port} = Test::Pad::free_port();
            $self->{ssl_port} = Test::Pad::free_port() if $self->{ssl};
            $conf = $self->write_config;
            next;
        }
        return 0;
    }
    return 0;
}

sub _wait_port {
    my ($self, $port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $port, Proto => 'tcp');
    return 0 unless $s;
    close $s;
    return 1;
}

sub _slurp {
    my ($f, $off) = @_;
    open my $fh, '<', $f or return '';
    binmode $fh;
    seek $fh, $off, 0 if $off;
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

sub alive {
    my ($self) = @_;
    return 0 unless $self->{pid};
    return 0 if $self->{exited};
    if (waitpid($self->{pid}, WNOHANG) == $self->{pid}) {
        $self->{exited} = 1;
        $self->{exit_status} = $?;
        return 0;
    }
    return kill 0, $self->{pid};
}

# pids whose parent is $ppid (from /proc)
sub _children_of {
    my ($ppid) = @_;
    my @pids;
    opendir my $dh, '/proc' or return;
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $st = <$fh>;
        close $fh;
        next unless $st;
        # pid (comm) state ppid ...
        my ($state, $pp) = $st =~ /\)\s+(\S)\s+(\d+)/ or next;
        push @pids, $p + 0 if $pp == $ppid && $state ne 'Z';
    }
    my @sorted = sort { $a <=> $b } @pids;
    return @sorted;
}

sub worker_pids {
    my ($self) = @_;
    return () unless $self->{pid};
    return _children_of($self->{pid});
}

sub log {
    my ($self) = @_;
    return _slurp($self->error_log_path);
}

sub log_mark { -s $_[0]->error_log_path || 0 }

sub log_since {
    my ($self, $mark) = @_;
    return _slurp($self->error_log_path, $mark || 0);
}

# the number of error.log lines since $mark matching $re
sub log_count {
    my ($self, $re, $mark) = @_;
    return scalar grep { /$re/ } split /\n/, $self->log_since($mark);
}

# Poll the error log (from $mark) until it matches $re; returns the match.
sub wait_log {
    my ($self, $re, $timeout, $mark) = @_;
    $re = qr/\Q$re\E/ unless ref $re;
    return Test::Pad::wait_until(sub {
        $self->log_since($mark) =~ $re ? 1 : 0 }, $timeout || 5);
}

# Fail the test on [alert]/[crit]/[emerg]/sanitizer lines not yet checked.
# $expected: a regex of bad lines the test caused on purpose (a worker it
# killed), which are not counted
sub check_log {
    my ($self, $name, $expected) = @_;
    my $from = $self->{checked} || 0;
    my $log = $self->log_since($from);
    $self->{checked} = $from + length $log;
    my @bad = grep { $_ =~ $Test::Pad::BAD_LOG
                     && !($expected && $_ =~ $expected) } split /\n/, $log;
    my $ok = Test::More::ok(!@bad, ($name // 'nginx')
        . ' - no [alert], [crit], [emerg] or sanitizer lines in error.log');
    Test::More::diag(join "\n", @bad[0 .. ($#bad > 20 ? 20 : $#bad)])
        unless $ok;
    return $ok;
}

sub signal {
    my ($self, $sig) = @_;
    return kill $sig, $self->{pid};
}

# HUP and wait until the set of workers changed; returns the old pids.
sub reload {
    my ($self, %o) = @_;
    my @old = $self->worker_pids;
    my %old = map { $_ => 1 } @old;
    $self->signal('HUP');
    Test::Pad::wait_until(sub {
        scalar(grep { !$old{$_} } $self->worker_pids) >= $self->{workers}
    }, $o{timeout} || 10);
    return @old;
}

# Wait until all the given pids are gone; returns true if they are.
sub wait_exit {
    my ($self, $pids, $timeout) = @_;
    return Test::Pad::wait_until(sub { !grep { kill 0, $_ } @$pids },
                                 $timeout || 10);
}

# QUIT, wait (timeout s), then KILL master and workers; checks the log.
sub stop {
    my ($self, $quiet, %o) = @_;
    my $pid = $self->{pid} or return;
    my @workers = $self->worker_pids;
    my $timeout = Test::Pad::scaled($o{timeout} || 10);
    my $gone = $self->{exited} ? 1 : 0;
    kill 'QUIT', $pid unless $gone;
    my $deadline = time + $timeout;
    while (!$gone && time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $self->{exit_status} = $?;
            $gone = 1;
            last;
        }
        sleep 0.02;
    }
    if (!$gone) {
        Test::More::diag("nginx $pid did not exit on QUIT within "
                         . "${timeout}s; killing it") unless $quiet;
        $self->{killed} = 1;
        kill 'KILL', $pid, $self->worker_pids, @workers;
        waitpid $pid, 0;
    }
    # workers left behind (should not happen)
    my @left = grep { kill 0, $_ } @workers;
    if (@left) {
        sleep 0.2;
        @left = grep { kill 0, $_ } @left;
        kill 'KILL', @left if @left;
    }
    delete $self->{pid};
    $self->{stopped_gracefully} = $gone;
    return if $quiet;
    $self->check_log('nginx stop');
    $self->check_valgrind if $Test::Pad::VALGRIND;
    return $gone;
}

sub check_valgrind {
    my ($self) = @_;
    my $dir = "$self->{prefix}/logs";
    opendir my $dh, $dir or return;
    my @bad;
    for my $f (sort grep { /^valgrind\.\d+\.log$/ } readdir $dh) {
        my $s = _slurp("$dir/$f");
        my ($n) = $s =~ /ERROR SUMMARY: (\d+) errors/;
        push @bad, "$f:\n$s" if $n || $s =~ /definitely lost: [1-9]/;
    }
    Test::More::ok(!@bad, 'valgrind: no memcheck errors or definite leaks')
        or Test::More::diag(join "\n", map { substr $_, 0, 8000 } @bad);
}

1;
