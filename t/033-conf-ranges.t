# Every numeric directive stops "nginx -t" with its name, the range it
# takes and the bad value, for a value out of range and for one that does
# not parse (docs/operators/configuration.md lists the same ranges); no
# numeric directive is left on nginx's plain slot functions, whose
# messages name no range.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use File::Find;

my $root = $Test::Pad::ROOT;

# directive => [range as nginx -t prints it, a value out of it, where]
my %dir = (
    pad_ping_interval         => ['10ms..1h', '5ms', 'loc'],
    pad_ping_timeout          => ['10ms..1h', '2h', 'loc'],
    pad_max_payload           => ['64..256m', '32', 'loc'],
    pad_upgrade_timeout       => ['10ms..1h', '1ms', 'loc'],
    pad_connect_timeout       => ['10ms..1h', '3h', 'loc'],
    pad_send_queue_max        => ['1k..1g', '512', 'loc'],
    pad_send_lowat            => ['0..1g (0: automatic)', '2g', 'loc'],
    pad_close_timeout         => ['1ms..10m', '11m', 'loc'],
    pad_max_sessions          => ['1..100000000', '0', 'loc'],
    pad_fanout_flush_delay    => ['0..1s', '2s', 'loc'],
    pad_relay_timeout         => ['1ms..10m', '0', 'http'],
    pad_relay_max             => ['1..1000000', '0', 'http'],
    pad_redis_connect_timeout => ['1ms..10m', '0', 'http'],
    pad_redis_command_timeout => ['1ms..10m', '11m', 'http'],
    pad_redis_backoff_max     => ['10ms..1h', '5ms', 'http'],
    pad_redis_keepalive       => ['100ms..1h', '50ms', 'http'],
    pad_redis_db              => ['0..65535', '65536', 'http'],
    pad_redis_wait_replicas   => ['1..64', '0', 'http'],
    pad_redis_lost_grace      => ['0..1h', '2h', 'http'],
    pad_snapshot_interval     => ['1..1000000', '0', 'http'],
    pad_redis_list_max        => ['1..100000000', '0', 'http'],
    pad_redis_cluster_refresh => ['1s..1h', '500ms', 'http'],
    pad_redis_cluster_max_nodes => ['1..64', '65', 'http'],
    pad_new_changes_batch_max => ['2..1024', '1', 'http'],
    pad_revisions_window      => ['10..1000000', '9', 'http'],
    pad_max_pads              => ['1..10000000', '0', 'http'],
    pad_max_pending_commits   => ['1..1000000', '0', 'http'],
    pad_max_changeset         => ['64..256m', '63', 'http'],
    pad_max_wire_pool         => ['16..1000000', '15', 'http'],
    pad_commit_timeout        => ['1ms..1h', '0', 'http'],
    pad_max_rebase            => ['1..100000000', '0', 'http'],
    pad_commit_wait_max       => ['0..1000000', '1000001', 'http'],
    pad_join_timeout          => ['1ms..1h', '0', 'http'],
    pad_users_listed          => ['0..10000', '10001', 'http'],
    pad_api_body_max          => ['1k..1g', '512', 'http'],
    pad_access_check_timeout  => ['1ms..10m', '11m', 'http'],
    pad_access_check_max_response => ['256..1m', '255', 'http'],
    pad_access_check_max_connections => ['1..100000', '0', 'http'],
    pad_api_chat_max          => ['1..10000000', '0', 'http'],
    pad_api_diff_max          => ['1..1000000', '0', 'http'],
);

sub conf_test {
    my ($name, $value, $where) = @_;
    my $line = "$name $value;";
    my $ng = Test::Pad::Nginx->new(
        redis => 0, load_module => 1, workers => 1, log_level => 'info',
        http_config => $where eq 'http' ? $line : '',
        config => "location /socket.io/ { pad_socketio; "
                  . ($where eq 'loc' ? $line : '') . " }");
    my ($ok, $out) = $ng->test_config;
    return ($ok, $out);
}

for my $name (sort keys %dir) {
    my ($range, $bad, $where) = @{ $dir{$name} };
    for my $value ($bad, 'many') {
        my ($ok, $out) = conf_test($name, $value, $where);
        ok(!$ok, "$name $value: nginx -t fails");
        like($out, qr/"\Q$name\E" must be \Q$range\E, not "\Q$value\E"/,
             "$name $value: the message names the directive, "
             . "$range and the value") or diag($out);
    }
}

# a value inside the range passes
my ($ok, $out) = conf_test('pad_revisions_window', 10, 'http');
ok($ok, 'a value at the edge of its range passes') or diag($out);

# every numeric directive of the sources is in the table above, and none
# is on nginx's plain slots
my (%seen, @plain);
find({ no_chdir => 1, wanted => sub {
    return unless /\.[ch]\z/ && -f $_;
    open my $fh, '<', $_ or die "$_: $!";
    local $/;
    my $src = <$fh>;
    while ($src =~ /ngx_string\("(pad_\w+)"\)[^}]*?(ngx_\w+_(?:slot|range))/g) {
        my ($d, $fn) = ($1, $2);
        $seen{$d} = 1 if $fn =~ /_range\z/;
        push @plain, "$d ($fn)" if $fn =~ /^ngx_conf_set_(num|msec|size|sec)_slot\z/;
    }
} }, "$root/ngx_pad_module");

is(scalar @plain, 0, 'no numeric directive on a plain nginx slot')
    or diag(join "\n", @plain);
is_deeply([ sort keys %seen ], [ sort keys %dir ],
          'every directive with a range is checked here');

# the example the package ships is a configuration nginx accepts
{
    my $ng = Test::Pad::Nginx->new(
        redis => 0, load_module => 1, workers => 1, log_level => 'info',
        http_config => "include $root/examples/pad.conf;",
        config => '');
    my ($ok, $out) = $ng->test_config;
    ok($ok, 'examples/pad.conf passes nginx -t') or diag($out);
}
