package Test::Pad::Etherpad;

# Etherpad's database records (ueberDB's key/value layout, as Etherpad
# 2.x's Pad.ts, AuthorManager, GroupManager, SessionManager and
# ReadOnlyManager write them) for the migration tests t/900-919.  The
# changesets and ATexts are real Easysync, made by build/pad-changeset
# (makeSplice, applyToAText), so that the key revisions' meta.atext and
# the pad's atext are what Etherpad stores.  Writers put the records into
# a source as ueberDB's drivers do: Redis (plain keys holding JSON, and
# the set ueberDB:keys:<a> of every two-part key "<a>:<b>"), a dirty file
# (one {"key","val"} line per set), SQL rows of "store" (key, value).

use strict;
use warnings;
use IPC::Open2;
use Test::Pad ();

my $ROOT = $Test::Pad::ROOT;

sub new {
    my ($class) = @_;
    my ($out, $in);
    my $pid = open2($out, $in, "$ROOT/build/pad-changeset", '--jsonl')
        or die "pad-changeset: $!";
    return bless { out => $out, in => $in, pid => $pid, recs => {},
                   ts => 1700000000000 }, $class;
}

sub req {
    my ($self, $r) = @_;
    my $in = $self->{in};
    print $in Test::Pad::json_encode($r), "\n";
    my $l = readline $self->{out};
    my $j = Test::Pad::json_decode($l);
    die "pad-changeset: $l" unless $j && exists $j->{ok};
    return $j;
}

# JavaScript's String.length
sub u16len {
    my $s = shift;
    my $n = length $s;
    $n++ for $s =~ /[^\x{0}-\x{FFFF}]/g;
    return $n;
}

sub b36 {
    my ($n) = @_;
    my $s = '';
    do { $s = substr('0123456789abcdefghijklmnopqrstuvwxyz', $n % 36, 1)
              . $s; $n = int($n / 36) } while $n;
    return $s;
}

# $self->{sink}: a code ref that takes each record instead of records()
sub set {
    my ($self, $k, $v) = @_;
    return $self->{sink}->($k, $v) if $self->{sink};
    $self->{recs}{$k} = $v;
}
sub records { $_[0]->{recs} }

sub put_attrib {
    my ($pad, $k, $v) = @_;
    my $p = $pad->{pool};
    for my $n (keys %{ $p->{numToAttrib} }) {
        my $a = $p->{numToAttrib}{$n};
        return $n if $a->[0] eq $k && $a->[1] eq $v;
    }
    my $n = $p->{nextNum}++;
    $p->{numToAttrib}{$n} = [ $k, $v ];
    return $n;
}

# a new pad with revision 0 (Pad.init: makeSplice("\n", 0, 0, text))
sub pad {
    my ($self, $id, %o) = @_;
    my $pad = { id => $id, head => -1, chatHead => -1,
                pool => { numToAttrib => {}, nextNum => 0 },
                atext => { text => "\n", attribs => '|1+1' },
                publicStatus => $o{public} ? \1 : \0,
                savedRevisions => [] };
    $self->{pads}{$id} = $pad;
    my $cs = $self->req({ op => 'makeSplice', text => "\n", start => 0,
                          ndel => 0, ins => $o{text} // "Welcome\n" })->{ok};
    $self->append($pad, $cs, $o{author} // '');
    return $pad;
}

sub append {
    my ($self, $pad, $cs, $author) = @_;
    my $r = $self->req({ op => 'applyToAText', cs => $cs,
                         atext => $pad->{atext}, pool => $pad->{pool} });
    $pad->{atext} = $r->{ok};
    my $rev = ++$pad->{head};
    put_attrib($pad, 'author', $author) if $author ne '';
    my $meta = { author => $author, timestamp => $self->{ts} += 1000 };
    if ($rev % 100 == 0) {
        $meta->{pool} = Test::Pad::json_decode(
            Test::Pad::json_encode($pad->{pool}));
        $meta->{atext} = { %{ $pad->{atext} } };
    }
    $self->set("pad:$pad->{id}:revs:$rev", { changeset => $cs,
                                              meta => $meta });
    $self->save($pad) unless $self->{lazy};
    return $rev;
}

# an edit of $author: $ins at UTF-16 offset $pos (default: before the last
# newline), $del units deleted there, $o{attrs} ([k,v] pairs) on the text
sub edit {
    my ($self, $pad, $author, $ins, %o) = @_;
    my $len = u16len($pad->{atext}{text});
    my $pos = $o{pos} // $len - 1;
    my @a = (put_attrib($pad, 'author', $author),
             map { put_attrib($pad, @$_) } @{ $o{attrs} || [] });
    my $cs = $self->req({ op => 'makeSplice', text => $pad->{atext}{text},
                          start => $pos, ndel => $o{del} // 0, ins => $ins,
                          attribs => join('', map { '*' . b36($_) }
                                                sort { $a <=> $b } @a)
                        })->{ok};
    return $self->append($pad, $cs, $author);
}

sub chat {
    my ($self, $pad, $author, $text) = @_;
    my $n = ++$pad->{chatHead};
    $self->set("pad:$pad->{id}:chat:$n", { text => $text,
        authorId => $author, time => $self->{ts} += 10 });
    $self->save($pad);
}

sub save_revision {
    my ($self, $pad, $author, $label) = @_;
    push @{ $pad->{savedRevisions} }, { revNum => $pad->{head},
        savedById => $author, label => $label // "Revision $pad->{head}",
        timestamp => $self->{ts} += 10, id => sprintf('%020x', $pad->{head}) };
    $self->save($pad);
}

sub save {
    my ($self, $pad) = @_;
    my %p = %$pad;
    delete $p{id};
    $self->set("pad:$pad->{id}", Test::Pad::json_decode(
        Test::Pad::json_encode(\%p)));
}

sub readonly {
    my ($self, $pad, $ro) = @_;
    $self->set("pad2readonly:$pad->{id}", $ro);
    $self->set("readonly2pad:$ro", $pad->{id});
}

sub author {
    my ($self, $id, %o) = @_;
    $self->set("globalAuthor:$id", { colorId => $o{color} // 3,
        name => $o{name}, timestamp => $self->{ts} });
    $self->set("token2author:$o{token}", $id) if $o{token};
    $self->set("mapper2author:$o{mapper}", $id) if $o{mapper};
}

sub group {
    my ($self, $g, %o) = @_;
    $self->set("group:$g", { pads => { map { $_ => 1 } @{ $o{pads} || [] } },
                             mappings => { map { $_ => 1 }
                                           @{ $o{mappers} || [] } } });
    $self->set("mapper2group:$_", $g) for @{ $o{mappers} || [] };
    my $gs = $self->{recs}{groups} || {};
    $gs->{$g} = 1;
    $self->set('groups', $gs);
}

sub session {
    my ($self, $s, $g, $a, $until) = @_;
    $self->set("session:$s", { groupID => $g, authorID => $a,
                               validUntil => $until });
    $self->set("group2sessions:$g", { sessionIDs => { $s => 1 } });
    $self->set("author2sessions:$a", { sessionIDs => { $s => 1 } });
}

# ueberDB's redis driver: SET key JSON, SADD ueberDB:keys:<a> <a>:<b>
sub to_redis {
    my ($self, $redis, @keys) = @_;
    my $r = $redis->client;
    for my $k (@keys ? @keys : sort keys %{ $self->{recs} }) {
        $r->set($k, Test::Pad::json_encode($self->{recs}{$k}));
        $r->sadd("ueberDB:keys:$1", $k) if $k =~ /^([^:]+):([^:]+)$/;
    }
    $r->quit;
}

# ueberDB's dirty driver: one line per set
sub to_dirty {
    my ($self, $file) = @_;
    open my $fh, '>>', $file or die "$file: $!";
    for my $k (sort keys %{ $self->{recs} }) {
        print $fh Test::Pad::json_encode({ key => $k,
                                           val => $self->{recs}{$k} }), "\n";
    }
    close $fh;
}

# the rows of ueberDB's SQL "store" table: [key, value JSON]
sub rows {
    my ($self) = @_;
    return map { [ $_, Test::Pad::json_encode($self->{recs}{$_}) ] }
           sort keys %{ $self->{recs} };
}

# Etherpad's /export/etherpad of one pad: its records and its authors'
sub to_etherpad_file {
    my ($self, $pad, $file) = @_;
    my $id = $pad->{id};
    my %d = map { $_ => $self->{recs}{$_} }
            grep { /^pad:\Q$id\E(?::|$)/ } keys %{ $self->{recs} };
    for my $a (values %{ $pad->{pool}{numToAttrib} }) {
        next unless $a->[0] eq 'author';
        my $rec = $self->{recs}{"globalAuthor:$a->[1]"} or next;
        $d{"globalAuthor:$a->[1]"} = { %$rec, padIDs => $id };
    }
    open my $fh, '>', $file or die "$file: $!";
    print $fh Test::Pad::json_encode(\%d);
    close $fh;
}

sub DESTROY {
    my ($self) = @_;
    close $self->{in} if $self->{in};
    waitpid $self->{pid}, 0 if $self->{pid};
}

# The fixture of t/900-903: two authors (tokens, a palette colour and a
# "#rrggbb" one), pad "mig" of $n revisions (bold text, non-BMP
# characters, chat, saved revisions, a read-only id), a group with a pad,
# a mapper and a session, and pad "bad" whose key revision 100 disagrees
# with its changesets.  Returns ($ep, \%expect).
sub fixture {
    my ($class, %o) = @_;
    my $n = $o{revs} // 250;
    my $ep = $class->new;
    my ($a1, $a2) = ('a.' . 'A' x 16, 'a.' . 'B' x 16);
    $ep->author($a1, name => 'Ann', color => 5, token => 't.' . 'a' x 20);
    $ep->author($a2, name => 'Bob', color => '#ff00aa',
                token => 't.' . 'b' x 20, mapper => 'moodle-7');

    my $p = $ep->pad('mig', author => $a1, text => "Migrated pad\n");
    for my $i (1 .. $n - 1) {
        my $a = $i % 2 ? $a2 : $a1;
        if ($i % 7 == 0) {
            $ep->edit($p, $a, "\x{1F600}b$i", attrs => [[ 'bold', 'true' ]]);
        } elsif ($i % 11 == 0) {
            $ep->edit($p, $a, '', pos => 0, del => 1);
        } elsif ($i % 13 == 0) {
            $ep->edit($p, $a, "line $i\n");
        } else {
            $ep->edit($p, $a, "x$i ", pos => $i % 5);
        }
        $ep->save_revision($p, $a) if $i == 10 || $i == 120;
    }
    $ep->chat($p, $a1, 'hello from Etherpad');
    $ep->chat($p, $a2, "\x{1F600} non-BMP chat");
    $ep->readonly($p, 'r.' . '0123456789abcdef' x 2);

    my $g = 'g.' . 'G' x 16;
    my $gp = $ep->pad("$g\$team", author => $a2, text => "Group pad\n");
    $ep->edit($gp, $a2, "secret ");
    $ep->group($g, pads => ["$g\$team"], mappers => ['course-1']);
    $ep->session('s.' . 'S' x 16, $g, $a2, 4000000000);

    my $bad = $ep->pad('bad', author => $a1, text => "Bad\n");
    $ep->edit($bad, $a1, "y$_ ") for 1 .. 120;
    $ep->{recs}{'pad:bad:revs:100'}{meta}{atext}{text} = "tampered\n";

    return ($ep, { a1 => $a1, a2 => $a2, pad => $p, gpad => $gp, group => $g,
                   bad => $bad, ro => 'r.' . '0123456789abcdef' x 2,
                   session => 's.' . 'S' x 16 });
}

# after a migration of fixture() into $dst (a Test::Pad::Redis) under
# $prefix: nginx serves the pads as Etherpad did (Test::More checks)
sub check_served {
    my ($class, $dst, $prefix, $x) = @_;
    require Test::More;
    require Test::Pad::Engine;
    my $ng = Test::Pad::Engine::engine_nginx(redis_port => $dst->port,
        http => "pad_redis_prefix $prefix;\n");
    Test::More::ok($ng, 'nginx starts on the migrated Redis') or return;
    my $p = $x->{pad};
    my $c = Test::Pad::Engine::pad_joined($ng, 'mig', 't.' . 'a' x 20);
    Test::More::ok($c, 'a client joins the migrated pad') or return;
    Test::More::is($c->{text}, $p->{atext}{text}, 'CLIENT_VARS: its text');
    Test::More::is($c->{rev}, $p->{head}, '... its head');
    Test::More::is($c->{id}, $x->{a1}, '... the token\'s author');
    Test::More::is(Test::Pad::Engine::pad_insert($c, "edited\n"),
                   'accepted', 'an edit is accepted');
    my $ro = Test::Pad::Engine::pad_joined($ng, $x->{ro}, 't.' . 'c' x 20);
    Test::More::is($ro && $ro->{text}, "edited\n$p->{atext}{text}",
                   'the read-only link shows the pad');
    my $g = Test::Pad::Engine::pad_joined($ng, $x->{gpad}{id},
                                          't.' . 'b' x 20);
    Test::More::ok(!$g || !$g->{vars},
                   'the group pad needs a session (no CLIENT_VARS without)');
    my $r = Test::Pad::http_get($ng, "/p/mig/export/txt");
    Test::More::is($r->{status}, 200, 'export/txt of the migrated pad');
    $ng->stop if $ng->can('stop');
}

1;
