# Random frame sequences (valid, malformed, truncated, split at random
# points) against the WebSocket transport.  Whatever arrives, the server
# must only send well-formed frames, close with a legal code, end every
# connection when asked, and keep serving.  TEST_PAD_SEED picks the seed
# (printed on failure); TEST_PAD_ROUNDS the number of connections.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';

my $seed = $ENV{TEST_PAD_SEED} // 20261127;
my $rounds = $ENV{TEST_PAD_ROUNDS} // 80;
srand($seed);

my $ng = start_nginx(redis => 1, log_level => 'info', config => <<'C')
location /socket.io/ { pad_socketio; pad_max_payload 4k; pad_close_timeout 500ms; }
C
    or die "nginx did not start\n";

my @packets = (
    '40', '41', '2', '3', '1', '5', '6', '2probe', '421["message",{}]',
    '42["message",{"component":"pad","type":"CLIENT_READY"}]',
    '4299["message",{"type":"NOPE"}]', '43', '44', '4', '', 'x' x 300,
    "42[\"message\",\"\xe2\x82\xac\"]",
);

sub rnd_payload {
    my $r = rand;
    return $packets[int rand @packets] if $r < 0.6;
    return join '', map { chr int rand 256 } 1 .. int rand 40 if $r < 0.8;
    return 'y' x (int rand 5000);
}

my $truncated;

sub rnd_frame {
    my %f = (
        opcode => rand() < 0.7 ? 1 : int rand 16,
        fin => rand() < 0.8 ? 1 : 0,
        rsv => rand() < 0.9 ? 0 : 1 + int rand 7,
        mask => rand() < 0.95 ? 1 : 0,
        payload => rnd_payload(),
    );
    $f{opcode} = 9 if rand() < 0.05;
    $f{len16} = 1 if rand() < 0.05;
    $f{len64} = 1 if rand() < 0.05;
    my $bytes = ws_frame(%f);
    if (rand() < 0.05) {
        $bytes = substr($bytes, 0, int rand length $bytes);
        $truncated = 1;
    }
    return $bytes;
}

my %legal = map { $_ => 1 } 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011;
my ($bad_frames, $bad_codes, $hung) = (0, 0, 0);
my @why;

for my $round (1 .. $rounds) {
    my ($ws) = eio_ws_open($ng);
    $ws->send_text('40') if rand() < 0.7;
    $truncated = 0;
    my $bytes = join '', map { rnd_frame() } 1 .. 1 + int rand 5;
    my $chunk = rand() < 0.3 ? 1 + int rand 7 : undef;
    $ws->send_raw($bytes, chunk => $chunk);
    my $closed = 0;
    for my $f ($ws->recv_frames(0.1)) {
        if ($f->{masked} || $f->{rsv}
            || !grep { $f->{opcode} == $_ } 1, 8, 9, 10)
        {
            $bad_frames++;
            push @why, "round $round: bad server frame "
                       . "op=$f->{opcode} rsv=$f->{rsv} masked=$f->{masked}";
        }
        if ($f->{opcode} == 8) {
            $closed = 1;
            if (defined $f->{code} && !$legal{ $f->{code} }) {
                $bad_codes++;
                push @why, "round $round: close code $f->{code}";
            }
        }
    }
    # a truncated frame would swallow our close frame as payload: then
    # only dropping the connection ends it
    if ($truncated && !$closed && !$ws->eof) {
        $ws->close;
        next;
    }
    # end the connection from our side; the server must let it go
    $ws->send_close(1000) unless $closed || $ws->eof;
    if (!$ws->wait_eof(3)) {
        $hung++;
        push @why, "round $round: connection not closed";
    }
}

is($bad_frames, 0, 'server frames well-formed') or diag "seed $seed";
is($bad_codes, 0, 'close codes legal') or diag "seed $seed";
is($hung, 0, 'every connection ends') or diag "seed $seed";
diag(join "\n", @why[0 .. ($#why > 10 ? 10 : $#why)]) if @why;

my ($ws, $open, $sid) = sio_ws_connect($ng);
ok(defined $sid, 'worker still serves after the random rounds');
ok($ng->stop, 'nginx exits on QUIT');
