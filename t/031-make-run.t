# "make run" (util/run.sh) takes any directive without editing generated
# files: PAD_CONF_EXTRA (directives) and PAD_CONF_INCLUDE (a file of them)
# reach the "http" block; nginx -t checks them first, and a bad value
# stops "make run" with nginx's message naming the directive, while the
# nginx already running keeps serving.  Private ports and run directory;
# "make stop" stops what it started.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_joined pad_insert poll_join
                         poll_messages);

my $root = $Test::Pad::ROOT;
my $dir = tmpdir('run');
my %env = (PAD_PORT => free_port(), PAD_REDIS_PORT => free_port(),
           PAD_RUN_DIR => $dir, PAD_WORKERS => 1);

sub run_sh {
    my ($cmd, %extra) = @_;
    local @ENV{keys %env, keys %extra} = (values %env, values %extra);
    my $out = `sh "$root/util/run.sh" $cmd 2>&1`;
    return ($? >> 8, $out);
}

sub handshake {
    my $r = http_get($env{PAD_PORT},
                     '/socket.io/?EIO=4&transport=polling');
    my ($open) = ($r->{body} // '') =~ /^0(\{.*\})/;
    return $open ? Test::Pad::json_decode($open) : {};
}

# whatever happens below, nothing started here outlives the test
my $started = 0;
END { if ($started) { local $?; run_sh('stop') } }

my $inc = "$dir/mine.conf";
open my $fh, '>', $inc or die "$inc: $!";
print $fh "pad_ping_timeout 3000ms;\n";
close $fh;

my ($rc, $out) = run_sh('start',
    PAD_CONF_EXTRA => "pad_redis_lost_grace 0;\npad_ping_interval 7000ms;",
    PAD_CONF_INCLUDE => $inc);
$started = 1;
is($rc, 0, 'make run starts with extra directives') or diag($out);
like($out, qr/CLIENT_VARS|Welcome to Etherpad/, 'and shows a pad');

my $open = handshake();
is($open->{pingInterval}, 7000, 'PAD_CONF_EXTRA reached the module '
   . '(pingInterval 7000)');
is($open->{pingTimeout}, 3000, 'PAD_CONF_INCLUDE too (pingTimeout 3000)');

# the metrics page of make run's server
my $st = http_get($env{PAD_PORT}, '/pad_status?format=json');
is($st->{status}, 200, 'make run serves /pad_status');
ok((Test::Pad::json_decode($st->{body} // '') || {})->{pad_commits_total},
   'with the commits of the demo pad');

# a reader that stops reading while a writer commits: its backlog comes
# as NEW_CHANGES_BATCH only when pad_new_changes_batch is on
sub backlog_batched {
    my ($pad) = @_;
    my $port = $env{PAD_PORT};
    my $w = pad_joined($port, $pad, 't.' . ('w' x 20)) or return -1;
    my $sid = poll_join($port, $pad, optin => 1) or return -1;
    poll_messages($port, $sid);
    for my $i (1 .. 40) {
        pad_insert($w, sprintf("line %02d with some words to make it "
                               . "longer than before\n", $i));
    }
    my @got;
    push @got, poll_messages($port, $sid) for 1 .. 20;
    $w->{ws}->close;
    return scalar grep { ($_->{data}{type} || '') eq 'NEW_CHANGES_BATCH' }
           @got;
}

my $small = 'pad_send_queue_max 8k; pad_send_lowat 1k; '
          . 'pad_redis_lost_grace 0;';
($rc, $out) = run_sh('start', PAD_CONF_EXTRA => $small);
is($rc, 0, 'make run again, a small queue') or diag($out);
is(backlog_batched('run-off'), 0, 'without pad_new_changes_batch: no '
   . 'NEW_CHANGES_BATCH');
($rc, $out) = run_sh('start',
    PAD_CONF_EXTRA => "pad_new_changes_batch on; $small");
is($rc, 0, "make run PAD_CONF_EXTRA='pad_new_changes_batch on;'")
    or diag($out);
ok(backlog_batched('run-on') > 0, 'now the backlog comes as '
   . 'NEW_CHANGES_BATCH: the directive took effect');

($rc, $out) = run_sh('start', PAD_CONF_EXTRA => 'pad_ping_interval -3s;');
isnt($rc, 0, 'a bad value stops make run');
like($out, qr/"pad_ping_interval" must be 10ms\.\.1h, not "-3s" in \Q$dir\E\/conf\/extra\.conf:2/,
     'nginx -t names the directive, its range and where it is') or diag($out);
is(handshake()->{pingInterval}, 25000, 'the running nginx kept serving '
   . 'with its configuration');

($rc, $out) = run_sh('start', PAD_CONF_INCLUDE => "$dir/missing.conf");
isnt($rc, 0, 'an unreadable PAD_CONF_INCLUDE stops make run');
like($out, qr/PAD_CONF_INCLUDE: cannot read/, 'and says so');

($rc, $out) = run_sh('stop');
$started = 0;
is($rc, 0, 'make stop');
like($out, qr/stopped nginx/, 'stopped nginx');
like($out, qr/stopped redis-server/, 'and its redis-server');
