package Test::Pad::Sentinel;
# A Redis Sentinel set on loopback for t/800-809: a master, replicas and
# sentinels (real redis-server processes, each its own Test::Pad::Redis,
# stopped by Test::Pad's END block), short down-after and failover
# timeouts; and an nginx with the module that finds the master through
# them.
#
#   my $set = Test::Pad::Sentinel->start(replicas => 2, sentinels => 3,
#       password => 'p', sentinel_password => 's');
#   my $ng = $set->nginx(http => 'more directives;');
#   $set->master_port;                  # as the sentinels say
#   $set->wait_master_not($old_port);   # after a failover
use strict;
use warnings;
use Carp qw(croak);
use Time::HiRes qw(time sleep);
use Test::Pad ();
use Test::Pad::Redis ();

sub start {
    my ($class, %o) = @_;
    my $self = bless { name => 'padmaster', replicas => 1, sentinels => 3,
                       down_after => 1000, failover_timeout => 4000, %o },
                     $class;
    my $pw = $self->{password};
    my @auth = $pw ? ('--requirepass', $pw, '--masterauth', $pw) : ();

    my $m = Test::Pad::Redis->new(args => [ @auth ], password => $pw);
    $m->start or croak 'master did not start';
    $self->{nodes} = [ $m ];
    for (1 .. $self->{replicas}) {
        my $r = Test::Pad::Redis->new(
            args => [ @auth, '--replicaof', '127.0.0.1', $m->port ],
            password => $pw);
        $r->start or croak 'replica did not start';
        push @{ $self->{nodes} }, $r;
    }
    Test::Pad::wait_until(sub {
        $self->cli($m->port, $pw, 'INFO', 'replication')
            =~ /connected_slaves:$self->{replicas}\b/
        && !grep { $self->cli($_->port, $pw, 'INFO', 'replication')
                   !~ /master_link_status:up/ } @{ $self->{nodes} }[1 .. $#{ $self->{nodes} }]
    }, 15) or croak 'replicas did not connect';

    my $spw = $self->{sentinel_password};
    for my $i (1 .. $self->{sentinels}) {
        my $s = Test::Pad::Redis->new(password => $spw);
        my $file = $s->dir . '/sentinel.conf';
        open my $fh, '>', $file or croak "$file: $!";
        my $n = $self->{name};
        print $fh "sentinel monitor $n 127.0.0.1 @{[ $m->port ]} 2\n",
                  "sentinel down-after-milliseconds $n $self->{down_after}\n",
                  "sentinel failover-timeout $n $self->{failover_timeout}\n",
                  "sentinel parallel-syncs $n 1\n",
                  ($pw ? "sentinel auth-pass $n $pw\n" : ''),
                  ($spw ? "requirepass $spw\nsentinel sentinel-pass $spw\n"
                        : '');
        close $fh;
        $s->{conf} = $file;
        $s->{args} = [ '--sentinel' ];
        $s->start or croak 'sentinel did not start';
        push @{ $self->{sentinel_nodes} }, $s;
    }
    # every sentinel knows the others and the replicas
    Test::Pad::wait_until(sub {
        !grep {
            my $out = $self->cli($_->port, $spw, 'SENTINEL', 'master',
                                 $self->{name});
            my %h = split /\n/, $out;
            ($h{'num-other-sentinels'} // -1) != $self->{sentinels} - 1
            || ($h{'num-slaves'} // -1) != $self->{replicas}
        } @{ $self->{sentinel_nodes} }
    }, 20, 0.2) or croak 'sentinels did not discover each other';
    return $self;
}

sub name      { $_[0]->{name} }
sub nodes     { @{ $_[0]->{nodes} } }
sub sentinels { @{ $_[0]->{sentinel_nodes} } }

# redis-cli's output (one value a line)
sub cli {
    my ($self, $port, $pw, @cmd) = @_;
    my @a = ('redis-cli', '-h', '127.0.0.1', '-p', $port,
             ($pw ? ('-a', $pw, '--no-auth-warning') : ()), @cmd);
    open my $fh, '-|', @a or croak "redis-cli: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh;
    $out =~ s/\r//g;
    return $out;
}

# the node (Test::Pad::Redis) listening on $port
sub node {
    my ($self, $port) = @_;
    my ($n) = grep { $_->port == $port } $self->nodes;
    return $n;
}

# the master's port as a majority of the sentinels that answer say
sub master_port {
    my ($self) = @_;
    my %votes;
    for my $s ($self->sentinels) {
        next unless $s->{pid};
        my ($h, $p) = split /\n/, $self->cli($s->port,
            $self->{sentinel_password}, 'SENTINEL',
            'get-master-addr-by-name', $self->{name});
        $votes{$p}++ if $p && $p =~ /^\d+$/;
    }
    my ($best) = sort { $votes{$b} <=> $votes{$a} } keys %votes;
    return $best;
}

# waits until the sentinels name a master other than $old and it says
# ROLE master; returns its port
sub wait_master_not {
    my ($self, $old, $timeout) = @_;
    my $port;
    Test::Pad::wait_until(sub {
        $port = $self->master_port;
        $port && $port != $old
        && $self->cli($port, $self->{password}, 'ROLE') =~ /^master/;
    }, $timeout || 30, 0.2) or return;
    return $port;
}

# "pad_redis_sentinel NAME 127.0.0.1:P ...;"
sub directive {
    my ($self) = @_;
    return "pad_redis_sentinel $self->{name} "
           . join(' ', map { '127.0.0.1:' . $_->port } $self->sentinels)
           . ";\n";
}

# nginx with the module on this set: $o{http} more http directives,
# $o{workers} (1)
sub nginx {
    my ($self, %o) = @_;
    my $http = delete $o{http} // '';
    return Test::Pad::start_nginx(
        workers => 1, log_level => 'info', redis => 0, %o,
        http_config => $self->directive
                     . "pad_redis_backoff_max 300ms;\n"
                     . "pad_redis_command_timeout 2000ms;\n"
                     . ($self->{password}
                        ? "pad_redis_password $self->{password};\n" : '')
                     . ($self->{sentinel_password}
                        ? "pad_redis_sentinel_password "
                          . "$self->{sentinel_password};\n" : '')
                     . $http,
        config => "location /socket.io/ { pad_socketio; }\n"
                . "location /p/ { pad_http; }\n");
}

1;
