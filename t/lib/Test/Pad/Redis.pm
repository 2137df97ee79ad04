package Test::Pad::Redis;

# A private redis-server of a test file (Test::Pad::start_redis(), or
# Test::Pad::Redis->new(...)->start): a free port, a temporary directory,
# stopped by Test::Pad's END block.  Loaded by Test::Pad.

use strict;
use warnings;
use Carp qw(croak);
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

use Test::Pad ();
use Test::Pad::Nginx ();

sub new {
    my ($class, %o) = @_;
    my $self = bless { %o }, $class;
    $self->{dir} ||= Test::Pad::tmpdir('redis');
    $self->{port} ||= Test::Pad::free_port();
    return $self;
}

sub port { $_[0]->{port} }
sub dir  { $_[0]->{dir} }

sub start {
    my ($self) = @_;
    my $d = $self->{dir};
    # {conf}: a configuration file first (sentinels need one);
    # {password}: AUTH before the PING that says it is up
    my @cmd = ('redis-server', ($self->{conf} ? ($self->{conf}) : ()),
               '--bind', '127.0.0.1', '--port',
               $self->{port}, '--save', '', '--appendonly', 'no',
               '--daemonize', 'yes', '--pidfile', "$d/redis.pid",
               '--dir', $d, '--logfile', "$d/redis.log",
               @{ $self->{args} || [] });
    system(@cmd) == 0 or croak "redis-server failed: $?";
    Test::Pad::_register_redis($self);
    my $ok = Test::Pad::wait_until(sub {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $self->{port},
                                      Proto => 'tcp') or return 0;
        print $s ($self->{password} ? "AUTH $self->{password}\r\n" : '')
                 . "PING\r\n";
        my $l = <$s>;
        $l = <$s> if $self->{password} && defined $l && $l =~ /^\+OK/;
        close $s;
        defined $l && $l =~ /PONG/;
    }, 5);
    Test::Pad::wait_until(sub { -s "$d/redis.pid" }, 5);
    ($self->{pid}) = Test::Pad::Nginx::_slurp("$d/redis.pid") =~ /(\d+)/;
    return $ok && $self->{pid};
}

sub client {
    my ($self) = @_;
    require Redis;
    return Redis->new(server => "127.0.0.1:$self->{port}");
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', $pid;
    Test::Pad::wait_until(sub { !kill 0, $pid }, 5);
    kill 'KILL', $pid if kill 0, $pid;
}

1;
