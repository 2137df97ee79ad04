# pad-migrate from Etherpad's Redis (ueberDB's redis layout) into the
# module's Redis: a dry run writes nothing; a pad whose key revision
# disagrees with its changesets fails and leaves no key; the others
# (revisions, pool, snapshots, chat, saved revisions, read-only id,
# authors, tokens, mappers, a group, its pad and a session) are then
# served by nginx as Etherpad served them: the API's answers, CLIENT_VARS
# with the same text for the token's author, an edit, the old read-only
# link, the timeslider's CHANGESET_REQ; a second run skips everything; a
# pad the module wrote is not overwritten without --overwrite; a pad
# Etherpad changed after its migration is migrated again.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_send
                         pad_recv_until);
use Test::Pad::Etherpad;
use Test::More;
use Test::Pad::API;

my $ROOT = $Test::Pad::ROOT;
my $PM = "$ROOT/build/pad-migrate";
ok(-x $PM, 'build/pad-migrate is built') or die;

my $src = Test::Pad::Redis->new;
my $dst = Test::Pad::Redis->new;
ok($src->start && $dst->start, 'two redis-servers start');

my ($ep, $x) = Test::Pad::Etherpad->fixture(revs => 250);
$ep->to_redis($src);
my $from = 'redis://127.0.0.1:' . $src->port;
my $to = 'redis://127.0.0.1:' . $dst->port;

sub migrate {
    my $out = `$PM --from $from --to $to --prefix t900: @_ 2>&1`;
    return ($? >> 8, $out);
}

my $rd = $dst->client;

my ($rc, $out) = migrate('--dry-run');
is($rc, 1, 'dry run: exit 1 (a pad fails)') or diag $out;
like($out, qr/stop Etherpad/, 'it says to stop Etherpad first');
like($out, qr/bad: FAILED: revision 100: the text and attributes rebuilt /,
     'the bad pad is reported');
like($out, qr/\(dry run\): 3 pads: 2 migrated/, 'report') or diag $out;
is($rd->dbsize, 0, 'a dry run writes nothing');

# what an interrupted run left: staging keys (and no meta)
$rd->hset('t900:{mig}:mig:revs', 999, 'junk');
$rd->hset('t900:{mig}:mig:chat', 7, 'junk');

# on a terminal: the progress line
my $cmd = "$PM --from $from --to $to --prefix t900: --dry-run";
my $tty = `script -qec "$cmd" /dev/null 2>&1`;
like($tty, qr/\rpads 3\/3  revisions \d+  \d+ rev\/s  ETA 0s/,
     'a terminal gets the progress line (pads, revisions, rate, ETA)');

($rc, $out) = migrate();
is($rc, 1, 'migration: exit 1 (the bad pad)') or diag $out;
is($rd->hlen('t900:{mig}:revs'), 250, 'the staging keys were written anew');
ok(!$rd->hexists('t900:{mig}:chat', 7), '... no junk');
like($out, qr/3 pads: 2 migrated, 0 complete before, 0 skipped .*, 1 failed;/,
     'report') or diag $out;
is_deeply([ $rd->keys('t900:{bad}*') ], [], 'nothing of the bad pad');
ok(!$rd->sismember('t900:pads', 'bad'), 'not in Ppads');

my $p = $x->{pad};
my %meta = $rd->hgetall('t900:{mig}:meta');
is($meta{head}, 249, 'meta head');
is($meta{pool_next}, $p->{pool}{nextNum}, 'meta pool_next');
is($meta{chat_next}, 2, 'meta chat_next');
is($meta{snap}, 249, 'meta snap: the head');
like($meta{hist}, qr/^[0-9a-f]{16}$/, 'a history id');
is($meta{created}, $ep->records->{'pad:mig:revs:0'}{meta}{timestamp},
   'created: the timestamp of revision 0');
is_deeply([ sort { $a <=> $b } $rd->zrange('t900:{mig}:snapidx', 0, -1) ],
          [ 0, 100, 200, 249 ], 'snapshots at the key revisions and head');
my $snap = Test::Pad::json_decode($rd->hget('t900:{mig}:snap', 200));
is_deeply($snap, { rev => 200, %{ $ep->records->{'pad:mig:revs:200'}{meta}
                                  {atext} } }, 'snapshot 200 = meta.atext');
my $r7 = Test::Pad::json_decode($rd->hget('t900:{mig}:revs', 7));
is($r7->{cs}, $ep->records->{'pad:mig:revs:7'}{changeset},
   'a revision keeps its changeset');
is($r7->{author}, $x->{a2}, '... its author');
is($r7->{ts}, $ep->records->{'pad:mig:revs:7'}{meta}{timestamp},
   '... its timestamp');
ok(grep({ $_->[0] eq 'bold' } values %{ $r7->{pool} }),
   '... and brings in the bold attribute it uses first');
my %seen;
for my $n (0 .. 249) {
    my $r = Test::Pad::json_decode($rd->hget('t900:{mig}:revs', $n));
    $seen{$_}++ for keys %{ $r->{pool} };
}
is_deeply([ sort { $a <=> $b } keys %seen ],
          [ 0 .. $p->{pool}{nextNum} - 1 ],
          'every pool entry is brought in by exactly one revision')
    and ok(!grep({ $_ != 1 } values %seen), '... once');
is($rd->get('t900:{mig}:ro'), $x->{ro}, 'read-only id');
is($rd->get("t900:ro:$x->{ro}"), 'mig', '... and back');
is($rd->get('t900:token:t.' . 'a' x 20), $x->{a1}, 'token -> author');
is($rd->hget("t900:author:$x->{a2}", 'color'), '#ff00aa', 'a hex colour');
is($rd->hget("t900:author:$x->{a1}", 'color'), '5', 'a palette index');
is($rd->get('t900:mapper2author:moodle-7'), $x->{a2}, 'author mapper');
is($rd->get('t900:mapper2group:course-1'), $x->{group}, 'group mapper');
ok($rd->sismember("t900:group:{$x->{group}}:pads", $x->{gpad}{id}),
   'the group lists its pad');
ok($rd->sismember("t900:author:$x->{a1}:pads", 'mig'), 'author pads');

# --- served by nginx ------------------------------------------------------

my $key = 'k' x 20 . '0123456789abcdef';
my $kf = api_key_file($key);

my $ng = engine_nginx(redis_port => $dst->port,
    http   => "pad_api_key_file $kf;\npad_redis_prefix t900:;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die "nginx did not start\n";

sub api {
    my ($fn, %q) = @_;
    return scalar api_call($ng, $key, $fn, \%q);
}


is(api('getText', padID => 'mig')->{data}{text}, $p->{atext}{text},
   'getText: the atext of Etherpad');
is(api('getText', padID => 'mig', rev => 100)->{data}{text},
   $ep->records->{'pad:mig:revs:100'}{meta}{atext}{text}, 'getText rev 100');
is(api('getRevisionsCount', padID => 'mig')->{data}{revisions}, 249,
   'getRevisionsCount');
is(api('getSavedRevisionsCount', padID => 'mig')->{data}{savedRevisions}, 2,
   'getSavedRevisionsCount');
is(api('getReadOnlyID', padID => 'mig')->{data}{readOnlyID}, $x->{ro},
   'getReadOnlyID');
is(api('getAuthorName', authorID => $x->{a1})->{data}, 'Ann',
   'getAuthorName');
my $chat = api('getChatHistory', padID => 'mig')->{data}{messages};
is_deeply([ map { $_->{text} } @$chat ],
          [ 'hello from Etherpad', "\x{1F600} non-BMP chat" ],
          'getChatHistory');
is(api('getText', padID => $x->{gpad}{id})->{data}{text},
   $x->{gpad}{atext}{text}, 'the group pad');
is_deeply(api('listPads', groupID => $x->{group})->{data}{padIDs},
          [ $x->{gpad}{id} ], 'listPads of the group');
my $si = api('getSessionInfo', sessionID => $x->{session})->{data};
is_deeply($si, { authorID => $x->{a2}, groupID => $x->{group},
                 validUntil => 4000000000 }, 'getSessionInfo');
is_deeply([ sort @{ api('listAllPads')->{data}{padIDs} } ],
          [ sort $x->{gpad}{id}, 'mig' ], 'listAllPads');

my $c = pad_joined($ng, 'mig', 't.' . 'a' x 20);
ok($c, 'a client joins the migrated pad') or die;
is($c->{text}, $p->{atext}{text}, 'CLIENT_VARS: the same text');
# attribute numbers in the names of a pool (the wire renumbers them)
sub named {
    my ($s, $pool) = @_;
    $s =~ s{\*([0-9a-z]+)}{
        my $a = $pool->{numToAttrib}{ Test::Pad::Engine::unb36($1) };
        '*(' . ($a ? "$a->[0]=$a->[1]" : '?') . ')' }ge;
    return $s;
}
my $cv = $c->{vars}{collab_client_vars};
is(named($cv->{initialAttributedText}{attribs}, $cv->{apool}),
   named($p->{atext}{attribs}, $p->{pool}), '... and attributes');
is($c->{rev}, 249, '... at the same revision');
is($c->{id}, $x->{a1}, 'the token keeps its author');
is($c->{vars}{collab_client_vars}{historicalAuthorData}{$x->{a2}}{name},
   'Bob', 'the other author by name');
is(pad_insert($c, "after migration\n"), 'accepted', 'an edit is accepted');

pad_send($c->{ws}, { component => 'pad', type => 'CHANGESET_REQ',
                     data => { start => 0, granularity => 1,
                               requestID => 'q1' } });
my ($cr) = pad_recv_until($c->{ws}, sub {
    ($_[0]{type} || '') eq 'CHANGESET_REQ' }, 5);
ok($cr && @{ $cr->{data}{forwardsChangesets} || [] } >= 99,
   'timeslider: CHANGESET_REQ answers the migrated history')
    or diag explain $cr;
is(named($cr->{data}{forwardsChangesets}[7], $cr->{data}{apool}),
   named($ep->records->{'pad:mig:revs:7'}{changeset}, $p->{pool}),
   '... with Etherpad\'s changesets') if $cr;

my $ro = pad_joined($ng, $x->{ro}, 't.' . 'c' x 20);
ok($ro, 'the old read-only link joins') or die;
is($ro->{text}, "after migration\n$p->{atext}{text}",
   '... the pad, with the edit');
ok($ro->{vars}{readonly}, '... read-only');

# --- idempotent, resumable, never over the module's pads --------------------

($rc, $out) = migrate();
like($out, qr/3 pads: 0 migrated, 1 complete before, 1 skipped .*, 1 failed/,
     'a second run: the group pad complete, mig the module\'s now')
    or diag $out;
like($out, qr/mig: exists in the module's store/, '... mig is reported');
is(api('getText', padID => 'mig')->{data}{text},
   "after migration\n$p->{atext}{text}", 'the edit is kept');

$ep->edit($x->{gpad}, $x->{a2}, 'more ');
$ep->to_redis($src, "pad:$x->{gpad}{id}", "pad:$x->{gpad}{id}:revs:2");
($rc, $out) = migrate('--pad', "'$x->{gpad}{id}'");
like($out, qr/migrated again/, 'a pad changed in Etherpad since: again')
    or diag $out;
is($rc, 0, '... exit 0');
is(api('getText', padID => $x->{gpad}{id})->{data}{text},
   $x->{gpad}{atext}{text}, '... its new text is served');

($rc, $out) = migrate('--pad', 'mig', '--overwrite');
is($rc, 0, '--overwrite: exit 0') or diag $out;
my $c2 = pad_joined($ng, 'mig', 't.' . 'b' x 20);
ok($c2, 'a client joins the pad migrated over') or die;
is($c2->{text}, $p->{atext}{text}, '... Etherpad\'s text again');
is($c2->{id}, $x->{a2}, '... the token of Bob is Bob');

$rd->quit;
