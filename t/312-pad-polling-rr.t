# No sticky sessions: simulated browser clients on HTTP long-polling only
# go through a round-robin proxy (t/js/pad/rr-proxy.js) that sends each
# request to the next of two nginx instances with two workers each, so
# every session's GETs and POSTs alternate between instances.  They
# converge to export/txt with no gap or duplicate (pad-sim checks every
# newRev).  Needs the transport's relay of polling requests to the
# session's owner (ngx_pad_module/transport/ngx_pad_relay.c).
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad;
use Test::Pad::Engine;
use Encode ();

BEGIN {
    if (!-e "$FindBin::Bin/../ngx_pad_module/transport/ngx_pad_relay.c") {
        Test::More::plan(skip_all => 'the transport has no polling relay');
    }
}
Test::More::plan('no_plan');

my $redis = start_redis() or die('redis-server did not start' . "\n");
my @ng = map { engine_nginx(redis_port => $redis->port, workers => 2)
               or die('nginx did not start' . "\n") } 1 .. 2;
my @urls = map { 'http://127.0.0.1:' . $_->port } @ng;

my $r = sim(urls => \@urls, roundRobin => 1, pad => 'rr', clients => 5,
            edits => 8, interval => 30, transports => ['polling'],
            seed => 9);
ok($r->{ok}, 'polling clients alternating between instances converge')
    or diag(explain($r));
is($r->{live}, 5, 'all stayed connected');
is(pad_text($ng[0], 'rr'), Encode::encode('UTF-8', $r->{text} // ''),
   'export/txt is their text');
is(pad_text($ng[1], 'rr'), pad_text($ng[0], 'rr'), 'on both instances');
$_->stop for @ng;
