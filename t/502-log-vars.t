# $pad_id, $pad_author and $pad_rev in log_format: the WebSocket's log
# line names the pad it joined, its author and the last revision it was
# sent; a polling GET of a joined session names the pad too; a request of
# no session logs "-".
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT pad_joined pad_insert poll_join
                         poll_messages);

my $redis = start_redis() or die "redis-server did not start\n";
my $ng = engine_nginx(redis_port => $redis->port,
    http => "log_format pads '\$request_method \$uri "
          . "pad=\$pad_id author=\$pad_author rev=\$pad_rev';\n"
          . "access_log logs/pads.log pads;\n")
    or die "nginx did not start\n";
my $log = $ng->prefix . '/logs/pads.log';

sub lines {
    open my $fh, '<', $log or return ();
    return <$fh>;
}

my $w = pad_joined($ng, 'log-pad', 't.' . ('l' x 20)) or die "no join\n";
my $author = $w->{vars}{userId};
like($author, qr/^a\./, "joined as $author");
is(pad_insert($w, "one\n"), 'accepted', 'commit 1');
is(pad_insert($w, "two\n"), 'accepted', 'commit 2');
my $rev = $w->{rev};
$w->{ws}->close;

my $sid = poll_join($ng, 'log-pad');
ok($sid, 'a polling session joined');
poll_messages($ng, $sid);
poll_messages($ng, $sid);
Test::Pad::eio_poll_post($ng, $sid, '1');

is(http_get($ng, '/p/log-pad')->{status}, 200, 'the pad page');

ok(wait_until(sub {
    grep { m{^GET /socket\.io/ .*rev=\d} && /author=\Q$author\E/ } lines()
}, 5), 'the WebSocket was logged') or diag(lines());

my ($wsl) = grep { /author=\Q$author\E/ } lines();
like($wsl, qr/pad=log-pad author=\Q$author\E rev=$rev$/,
     "its line names the pad, the author and revision $rev");
ok((grep { m{^GET /socket\.io/ pad=log-pad author=a\.\S+ rev=\d+$}
           && !/\Q$author\E/ } lines()),
   'a polling GET of the joined session names its pad') or diag(lines());
ok((grep { m{^GET /p/log-pad pad=- author=- rev=-$} } lines()),
   'a request of no session logs "-"') or diag(lines());

$ng->stop;
