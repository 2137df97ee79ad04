# Invalid input to the pad engine: each bad changeset (reference §6.7 and
# the author rules) gets {"disconnect":"badChangeset"} and leaves the pad
# unchanged (same text, same head); baseRev out of range; unknown message
# types; messages before CLIENT_READY; invalid tokens; oversized
# changesets; read-only pads refuse writes.  Valid edge cases (identity,
# retransmission, net no-op, clearing authorship) are accepted at the
# current head.
use FindBin; use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(:DEFAULT b36 pad_joined);

my $redis = start_redis() or die('redis-server did not start' . "\n");
my $ng = engine_nginx(redis_port => $redis->port,
                      http => "pad_max_changeset 4k;\n")
    or die('nginx did not start' . "\n");

my $PAD = 'invalid';
my $ntok = 0;

sub token { sprintf 't.tok%017d', ++$ntok }


sub changes {
    my ($c, $cs, %o) = @_;
    pad_send($c->{ws}, { type => 'COLLABROOM', component => 'pad',
                         data => { type => 'USER_CHANGES',
                                   baseRev => exists $o{base} ? $o{base}
                                                              : $c->{rev},
                                   changeset => $cs,
                                   apool => $o{apool}
                                            || { numToAttrib => {},
                                                 nextNum => 0 } } },
             $o{ack});
    my ($m) = pad_recv_until($c->{ws}, sub {
        $_[0]{disconnect} || defined $_[0]{ack}
        || ($_[0]{data}{type} || '') eq 'ACCEPT_COMMIT' }, 3);
    return $m;
}

sub state {
    my $c = pad_joined($ng, $PAD, token()) or return ('', -1);
    my @s = ($c->{text}, $c->{rev});
    $c->{ws}->close;
    return @s;
}

my $c0 = pad_joined($ng, $PAD, token()) or die('cannot join' . "\n");
my $L = changeset_len($c0->{text});
my $NL = $c0->{text} =~ tr/\n//;
my $me = { numToAttrib => { 0 => ['author', $c0->{id}] }, nextNum => 1 };

# a first valid commit by c0: "hello" at 0
my $m = changes($c0, 'Z:' . b36($L) . '>5*0+5$hello', apool => $me);
is($m->{data}{newRev}, 1, 'valid commit accepted as revision 1');
$c0->{rev} = 1;
$L += 5;

my ($text, $head) = state();
is($head, 1, 'head 1');
like($text, qr/^hello/, 'text starts with hello');

my $sys = { numToAttrib => { 0 => ['author', 'a.etherpad-system'] },
            nextNum => 1 };
my $other = { numToAttrib => { 0 => ['author', 'a.notinthepad000'] },
              nextNum => 1 };

my @bad = (
    ['not a changeset', 'this is not a valid changeset'],
    ['wrong oldLen', 'Z:1>5+5$hello'],
    ['upper case', 'Z:' . b36($L) . '>A+A$xxxxxxxxxx'],
    ['not canonical', 'Z:' . b36($L) . '>2+1+1$ab'],
    ['excess char bank', 'Z:' . b36($L) . '>1=1+1$ab'],
    ['claimed length mismatch', 'Z:' . b36($L) . '>2=1+1$a'],
    ['strands the final newline',
     'Z:' . b36($L) . '>1|' . b36($NL) . '=' . b36($L) . '*0+1$X', $me],
    ['system author', 'Z:' . b36($L) . '>1*0+1$X', $sys],
    ['foreign author on an insert', 'Z:' . b36($L) . '>1*0+1$X', $other],
    ['foreign author not in the pool on =', 'Z:' . b36($L) . '>0*0=5$',
     $other],
    ['foreign author on a delete', 'Z:' . b36($L) . '<1*0-1$', $other],
    ['attribute not in apool', 'Z:' . b36($L) . '>1*5+1$X', $me],
    ['malformed apool', 'Z:' . b36($L) . '>1*0+1$X',
     { numToAttrib => { 0 => ['author'] }, nextNum => 1 }],
    ['baseRev above head', 'Z:' . b36($L) . '>1*0+1$X', $me, 2],
    ['negative baseRev', 'Z:' . b36($L) . '>1*0+1$X', $me, -1],
    ['baseRev not an integer', 'Z:' . b36($L) . '>1*0+1$X', $me, '1'],
    ['baseRev 1.5', 'Z:' . b36($L) . '>1*0+1$X', $me, 1.5],
    ['oversized changeset', 'Z:' . b36($L) . '>' . b36(5000) . '*0+'
     . b36(5000) . '$' . ('y' x 5000), $me],
    ['newline count wrong', 'Z:' . b36($L) . '>2*0+2$a\n', $me],
);

for my $b (@bad) {
    my ($name, $cs, $apool, $base) = @$b;
    my $c = pad_joined($ng, $PAD, token()) or die('cannot join' . "\n");
    my $pool = $apool ? { %$apool } : undef;
    if ($pool && $pool->{numToAttrib}{0}
        && ($pool->{numToAttrib}{0}[1] // "") eq $c0->{id})
    {
        $pool = { numToAttrib => { 0 => ['author', $c->{id}] },
                  nextNum => 1 };
    }
    my $r = changes($c, $cs, apool => $pool,
                    defined $base ? (base => $base) : ());
    is($r && $r->{disconnect}, 'badChangeset', "$name: badChangeset")
        or diag(explain($r));
    my ($t, $h) = state();
    ok($t eq $text && $h == $head, "$name: pad unchanged");
    $c->{ws}->close;
}

# valid edge cases, by c0 (which knows head 1)

$m = changes($c0, 'Z:' . b36($L) . '>0$');
is($m->{data}{newRev}, 1, 'identity: ACCEPT_COMMIT at the same revision');

$m = changes($c0, 'Z:' . b36($L) . '>0-5*0+5$hello', apool => $me);
is($m->{data}{newRev}, 1, 'net no-op: ACCEPT_COMMIT at the same revision');

# retransmission of revision 1 (based on revision 0)
$m = changes($c0, 'Z:' . b36($L - 5) . '>5*0+5$hello', apool => $me,
             base => 0);
is($m->{data}{newRev}, 1, 'retransmission: ACCEPT_COMMIT at head, no new '
   . 'revision');
my ($t2, $h2) = state();
ok($t2 eq $text && $h2 == 1, 'retransmission left the pad unchanged');

# clearing authorship (author "" on =) and a known foreign author on =
my $c1 = pad_joined($ng, $PAD, token()) or die('cannot join' . "\n");
$m = changes($c1, 'Z:' . b36($L) . '>0*0=5$',
             apool => { numToAttrib => { 0 => ['author', ''] },
                        nextNum => 1 });
is($m->{data}{newRev}, 2, 'clearing authorship is accepted');
$c1->{rev} = 2;
$m = changes($c1, 'Z:' . b36($L) . '>0*0=5$',
             apool => { numToAttrib => { 0 => ['author', $c0->{id}] },
                        nextNum => 1 });
is($m->{data}{newRev}, 3, 'restoring a known author on = is accepted');
$c1->{rev} = 3;

# an insert without author attribute (Etherpad 2.x, CLI client) is
# stamped with the session's author: c0 sees it in NEW_CHANGES
$m = changes($c1, 'Z:' . b36($L) . '>3+3$abc');
is($m->{data}{newRev}, 4, 'author-less insert accepted');
my ($nc) = pad_recv_until($c0->{ws}, sub {
    ($_[0]{data}{newRev} || 0) == 4 });
ok($nc && $nc->{data}{changeset} =~ /\*0\+3\$abc$/
   && $nc->{data}{apool}{numToAttrib}{0}[1] eq $c1->{id},
   'and carries its author when fanned out')
    or diag(explain($nc));

# unknown types, acks, pre-CLIENT_READY, tokens

pad_send($c1->{ws}, { type => 'COLLABROOM', component => 'pad',
                      data => { type => 'NO_SUCH_TYPE' } }, 7);
($m) = pad_recv_until($c1->{ws}, sub { defined $_[0]{ack} });
ok($m && $m->{ack} == 7 && $m->{args}[0]{message} =~ /unknown message/,
   'unknown COLLABROOM type: error in the ack');
pad_send($c1->{ws}, { component => 'pad', type => 'WHATEVER' }, 8);
($m) = pad_recv_until($c1->{ws}, sub { defined $_[0]{ack} });
ok($m && $m->{ack} == 8, 'unknown top-level type: error in the ack');
pad_send($c1->{ws}, { component => 'other', type => 'CLIENT_READY' }, 9);
($m) = pad_recv_until($c1->{ws}, sub { defined $_[0]{ack} });
ok($m && $m->{ack} == 9, 'unknown component: error in the ack');
$c1->{rev} = 4;
$m = changes($c1, 'Z:' . b36($L + 3) . '>1+1$d');
is($m->{data}{newRev}, 5, 'the session still works after refused messages');

my $ws = pad_ws($ng);
pad_send($ws, { type => 'COLLABROOM', component => 'pad',
                data => { type => 'USER_CHANGES', baseRev => 0,
                          changeset => 'Z:1>0$', apool => {} } }, 3);
($m) = pad_recv_until($ws, sub { 1 });
ok($m && $m->{ack} == 3 && $m->{args}[0]{message} =~ /pre-CLIENT_READY/,
   'USER_CHANGES before CLIENT_READY refused');
for my $tok ('not-a-token', 't.abc', '') {
    pad_send($ws, { component => 'pad', type => 'CLIENT_READY',
                    padId => $PAD, token => $tok });
    ($m) = pad_recv_until($ws, sub { 1 });
    is($m && $m->{accessStatus}, 'deny', "token \"$tok\": accessStatus deny");
}
pad_send($ws, { component => 'pad', type => 'CLIENT_READY',
                padId => 'a$b', token => token() }, 4);
($m) = pad_recv_until($ws, sub { 1 });
ok($m && $m->{ack} == 4 && $m->{args}[0]{message} =~ /padId/,
   'invalid pad id refused');
$ws->close;

# read-only: same room, every write refused

my $ro = $c0->{vars}{readOnlyId};
like($ro, qr/^r\.[0-9a-f]{32}$/, 'CLIENT_VARS has the read-only id');
my $r1 = pad_joined($ng, $ro, token()) or die('cannot join read-only' . "\n");
ok($r1->{vars}{readonly}, 'read-only session: readonly true');
is($r1->{vars}{padId}, $ro, 'read-only session sees only the r. id');
unlike(json_encode($r1->{vars}), qr/"\Q$PAD\E"/, 'and never the pad id');
my $before = pad_text($ng, $PAD);
pad_send($r1->{ws}, { type => 'COLLABROOM', component => 'pad',
                      data => { type => 'USER_CHANGES', baseRev => $r1->{rev},
                                changeset => 'Z:' . b36($L + 4) . '>1+1$z',
                                apool => {} } }, 11);
($m) = pad_recv_until($r1->{ws}, sub { defined $_[0]{ack} });
ok($m && $m->{args}[0]{message} =~ /read-only/, 'write refused (ack)');
is(pad_text($ng, $PAD), $before, 'pad unchanged');
$c1->{rev} = 5;
$m = changes($c1, 'Z:' . b36($L + 4) . '>1+1$e');
is($m->{data}{newRev}, 6, 'a writer commits');
($m) = pad_recv_until($r1->{ws}, sub { ($_[0]{data}{newRev} || 0) == 6 });
ok($m && $m->{data}{type} eq 'NEW_CHANGES',
   'the read-only session receives it');
my $r2 = pad_joined($ng, 'r.0123456789abcdef0123456789abcdef', token());
ok(!$r2, 'unknown read-only id: no CLIENT_VARS');

$ng->stop;
