package Test::Pad::Cluster;

# A private Redis Cluster of a test file on loopback: N primaries (and R
# replicas each), one Test::Pad::Redis per node started with
# --cluster-enabled, joined by `redis-cli --cluster create ... --cluster-yes`
# and waited for until every node says cluster_state:ok.  Every node is
# stopped by Test::Pad's END block like any redis-server of the file.
#
#     my $cl = Test::Pad::Cluster->start(primaries => 3, replicas => 1)
#         or BAIL_OUT('no cluster');
#     $cl->ports;                 # every node's port, primaries first
#     $cl->primaries;             # the ports of the current primaries
#     $cl->owner($slot);          # the port of the primary serving a slot
#     $cl->cli(@args);            # redis-cli -p <first node> @args: output
#     $cl->node($port)->client;   # a Redis.pm client of one node

use strict;
use warnings;
use Carp qw(croak);

use IO::Socket::INET;

use Test::Pad ();
use Test::Pad::Redis ();

my %GIVEN;

# a port for a cluster node: at most 55535 and its bus port (+10000)
# free too (Redis refuses higher ports; free_port's may be)
sub free_port {
    for (1 .. 200) {
        my $p = 20000 + int(rand(35000));
        next if $GIVEN{$p} || $GIVEN{ $p + 10000 } || $GIVEN{ $p - 10000 };
        my @s = map { IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                            LocalPort => $_, Proto => 'tcp',
                                            Listen => 1, ReuseAddr => 1) }
                    $p, $p + 10000;
        next unless $s[0] && $s[1];
        close $_ for @s;
        $GIVEN{$p} = 1;
        return $p;
    }
    croak 'no free cluster port';
}

sub start {
    my ($class, %o) = @_;
    my $np = $o{primaries} || 3;
    my $nr = $o{replicas} // 0;
    my $self = bless { nodes => [], by_port => {} }, $class;

    for my $i (1 .. $np * (1 + $nr)) {
        my $dir = Test::Pad::tmpdir("cluster$i");
        my $r = Test::Pad::Redis->new(dir => $dir, port => free_port(),
                                      args => [
                '--cluster-enabled', 'yes',
                '--cluster-config-file', "$dir/nodes.conf",
                '--cluster-node-timeout', $o{node_timeout} || 2000,
                @{ $o{args} || [] }]);
        $r->start or return;
        push @{ $self->{nodes} }, $r;
        $self->{by_port}{ $r->port } = $r;
    }

    my @addrs = map { '127.0.0.1:' . $_->port } @{ $self->{nodes} };
    my $out = `redis-cli --cluster create @addrs --cluster-replicas $nr --cluster-yes 2>&1`;
    if ($? != 0) {
        Test::Pad::diag("redis-cli --cluster create failed:\n$out");
        return;
    }

    $self->wait_ok(30) or return;

    return $self;
}

sub ports { map { $_->port } @{ $_[0]->{nodes} } }
sub node  { $_[0]->{by_port}{ $_[1] } }

# redis-cli against one node (the first unless port => given)
sub cli {
    my ($self, @args) = @_;
    my $port = ($self->{nodes}[0])->port;
    if (@args >= 2 && $args[0] eq 'port') {
        (undef, $port, @args) = @args;
    }
    open my $fh, '-|', 'redis-cli', '-p', $port, @args
        or croak "redis-cli: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    return $out // '';
}

# every node: cluster_state:ok, and all agree on every slot's owner
sub wait_ok {
    my ($self, $timeout) = @_;
    return Test::Pad::wait_until(sub {
        my %maps;
        for my $p ($self->ports) {
            return 0 unless $self->cli(port => $p, 'CLUSTER', 'INFO')
                            =~ /cluster_state:ok/;
            $maps{ join ',', $self->_ranges($p) } = 1;
        }
        return keys %maps == 1;
    }, $timeout || 30, 0.2);
}

# "port first-last" of every slot range, as one node sees it
sub _ranges {
    my ($self, $port) = @_;
    my $c = $self->node($port)->client;
    my @r;
    for my $range (@{ $c->cluster('SLOTS') }) {
        push @r, "$range->[2][1] $range->[0]-$range->[1]";
    }
    $c->quit;
    return sort { (split /[ -]/, $a)[1] <=> (split /[ -]/, $b)[1] } @r;
}

sub ranges { my ($self) = @_; return $self->_ranges(($self->ports)[0]) }

sub primaries {
    my ($self) = @_;
    my %p = map { (split / /)[0] => 1 } $self->ranges;
    return sort { $a <=> $b } keys %p;
}

sub owner {
    my ($self, $slot) = @_;
    for my $r ($self->ranges) {
        my ($port, $s, $e) = $r =~ /^(\d+) (\d+)-(\d+)\z/;
        return $port if $slot >= $s && $slot <= $e;
    }
    return;
}

sub node_id {
    my ($self, $port) = @_;
    my $id = $self->cli(port => $port, 'CLUSTER', 'MYID');
    $id =~ s/\s+\z//;
    return $id;
}

# move one (empty or not) slot from its owner to the primary on $to,
# key by key, as redis-cli --cluster reshard does; returns 1 when done
sub move_slot {
    my ($self, $slot, $to, %o) = @_;
    my $from = $self->owner($slot) // return 0;
    return 1 if $from == $to;
    my ($fid, $tid) = ($self->node_id($from), $self->node_id($to));
    $self->cli(port => $to, 'CLUSTER', 'SETSLOT', $slot, 'IMPORTING', $fid);
    $self->cli(port => $from, 'CLUSTER', 'SETSLOT', $slot, 'MIGRATING', $tid);
    $o{migrating}->() if $o{migrating};
    while (1) {
        my @keys = grep { length } split /\n/,
            $self->cli(port => $from, 'CLUSTER', 'GETKEYSINSLOT', $slot, 100);
        last unless @keys;
        my $out = $self->cli(port => $from, 'MIGRATE', '127.0.0.1', $to, '',
                             0, 5000, 'KEYS', @keys);
        return 0 unless $out =~ /OK|NOKEY/;
    }
    for my $p ($to, $from, grep { $_ != $to && $_ != $from } $self->primaries)
    {
        $self->cli(port => $p, 'CLUSTER', 'SETSLOT', $slot, 'NODE', $tid);
    }
    return $self->wait_ok(30);
}

1;
