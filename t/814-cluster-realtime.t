# The realtime path on a real 3-primary Redis Cluster: two nginx
# instances (2 workers each, pad_redis_cluster) and simulated browser
# clients (t/js/pad/pad-sim.js) spread over both, on pads whose slots are
# on different primaries; the pads' messages go by classic pub/sub on
# the seed connections (a cluster delivers PUBLISH on every node), the
# appends to each pad's primary.  Every client converges, none sees a
# revision out of order, and export/txt agrees on both instances.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Cluster;
use Test::Pad::Engine;
use Encode ();

my $cl = Test::Pad::Cluster->start(primaries => 3, replicas => 0);
ok($cl, 'a 3-primary cluster is up') or BAIL_OUT('no cluster');
my @prim = $cl->primaries;

my @ng;
for my $i (0, 1) {
    push @ng, Test::Pad::start_nginx(
        workers     => 2,
        log_level   => 'info',
        http_config => "pad_redis_cluster 127.0.0.1:$prim[$i] "
                     . "127.0.0.1:$prim[2];\n"
                     . "pad_redis_backoff_max 300ms;\n"
                     . "pad_redis_command_timeout 2000ms;\n"
                     . "pad_redis_prefix t814:;\n",
        config      => "location /socket.io/ { pad_socketio; }\n"
                     . "location /p/ { pad_http; }\n")
        or die "nginx $i did not start\n";
}
my @urls = map { 'http://127.0.0.1:' . $_->port } @ng;

sub slot_of {
    my $s = $cl->cli('CLUSTER', 'KEYSLOT', $_[0]);
    $s =~ s/\s+\z//;
    return $s;
}

# one pad per primary
my %pad_of;
for my $i (0 .. 200) {
    my $o = $cl->owner(slot_of("t814:{rt$i}:meta"));
    $pad_of{$o} //= "rt$i";
    last if keys %pad_of == 3;
}
is(scalar keys %pad_of, 3, 'a pad on every primary: '
   . join(' ', map { "$_:$pad_of{$_}" } sort keys %pad_of));

for my $o (sort keys %pad_of) {
    my $pad = $pad_of{$o};
    my $r = sim(urls => \@urls, pad => $pad, clients => 4, edits => 12,
                interval => 20, transports => ['websocket'], seed => $o);
    ok($r->{ok}, "$pad: 4 clients on two instances converge")
        or diag(explain($r));
    is($r->{live}, 4, "$pad: every client stayed connected");
    ok(!@{ $r->{violations} || [] }, "$pad: no ordering violation")
        or diag(explain($r->{violations}));
    my @t = map { pad_text($_, $pad) } @ng;
    ok(defined $t[0] && defined $r->{text}
       && $t[0] eq Encode::encode('UTF-8', $r->{text}),
       "$pad: export/txt is the clients' text");
    is($t[1], $t[0], "$pad: both instances export the same text");
    my $head = $cl->cli(port => $o, 'HGET', "t814:{$pad}:meta", 'head');
    $head =~ s/\s+\z//;
    ok($head > 0, "$pad: its head ($head) is on its primary $o");
}

$_->stop for @ng;
