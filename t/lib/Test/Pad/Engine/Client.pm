package Test::Pad::Engine::Client;

# The tracked pad client of Test::Pad::Engine::pad_client() (how it joins,
# edits, follows the pad and rejoins: the comment above pad_client in
# Test/Pad/Engine.pm); pad_drive() runs its tick and _frames.

use strict;
use warnings;
use Time::HiRes qw(time);

use Test::Pad ();
use Test::Pad::Engine ();

sub _err { my ($c, $e) = @_; push @{ $c->{errors} }, sprintf '%.3f %s', time, $e }
sub _late { my ($c, $e) = @_; push @{ $c->{timeouts} }, sprintf '%.3f %s', time, $e }

sub enter {
    my ($c) = @_;
    $c->drop_socket;
    local $Test::Pad::DIE_ON_SILENCE = 0;
    my $ws = eval { Test::Pad::Engine::pad_ws($c->{ng}) };
    $c->{joins}++;
    $c->{join_t0} = time;
    if (!$ws) {
        $c->_late('connect failed' . ($@ ? ": $@" : ''));
        $c->{state} = 'closed';
        $c->{next_join} = time + 0.3;
        return;
    }
    $c->{ws} = $ws;
    $c->{state} = 'joining';
    delete $c->{pending};
    Test::Pad::Engine::pad_send($ws, { component => 'pad',
        type => 'CLIENT_READY', padId => $c->{pad}, token => $c->{token} });
}

sub drop_socket {
    my ($c) = @_;
    my $ws = delete $c->{ws} or return;
    $ws->close;
}

sub _closed {
    my ($c, $why) = @_;
    return if $c->{state} eq 'closed';
    push @{ $c->{closes} }, [ time, $why, $c->{state} ];
    if (my $p = delete $c->{pending}) {
        push @{ $c->{unacked} }, $p->{marker};
    }
    $c->{state} = 'closed';
    $c->drop_socket;
    $c->{next_join} = time + 0.1 + rand 0.2;
}

sub tick {
    my ($c) = @_;
    my $now = time;
    if ($c->{state} eq 'closed') {
        $c->enter if $c->{rejoin} && $now >= ($c->{next_join} || 0);
        return;
    }
    if ($c->{state} eq 'joining') {
        if ($now - $c->{join_t0} > $c->{join_timeout}) {
            $c->_late("no CLIENT_VARS within $c->{join_timeout}s");
            $c->_closed('join timeout');
        }
        return;
    }
    if (my $p = $c->{pending}) {
        if ($now - $p->{t} > $c->{edit_timeout}) {
            $c->_late("$p->{marker} not acknowledged within "
                     . "$c->{edit_timeout}s");
            $c->_closed('edit timeout');
        }
        return;
    }
    $c->send_edit if $c->{writer} && $c->{edits_left} > 0
                     && $now >= ($c->{next_edit} || 0);
}

sub send_edit {
    my ($c) = @_;
    my $marker = sprintf '[%s:%d]', $c->{tag}, ++$c->{seq};
    my $ins = "$marker ";
    my $n = Test::Pad::Engine::b36(length $ins);
    my $cs = 'Z:' . Test::Pad::Engine::b36(
                 Test::Pad::Engine::changeset_len($c->{text}))
             . ">$n+$n\$$ins";
    $c->{pending} = { marker => $marker, cs => $cs, t => time,
                      base => $c->{rev} };
    Test::Pad::Engine::pad_send($c->{ws}, { type => 'COLLABROOM',
        component => 'pad', data => { type => 'USER_CHANGES',
        baseRev => $c->{rev}, changeset => $cs, apool => {} } });
}

sub _frames {
    my ($c) = @_;
    while (my $ws = $c->{ws}) {
        my $f = $ws->_parse;
        if (!$f) {
            $c->_closed($ws->{read_error} ? "read: $ws->{read_error}" : 'eof')
                if $ws->eof;
            return;
        }
        my $op = $f->{opcode};
        if ($op == 9) { $ws->send_pong($f->{payload}); next }
        if ($op == 8) { $c->_closed('close ' . ($f->{code} // '')); return }
        next unless $op == 1;
        my $p = $f->{payload};
        if ($p eq '2') { $ws->send_text('3'); next }
        if ($p eq '1' || $p =~ /^41/) { $c->_closed("packet $p"); return }
        next unless $p =~ /^42(\[.*)\z/s;
        my $a = Test::Pad::json_decode($1);
        next unless ref $a eq 'ARRAY' && ($a->[0] // '') eq 'message'
                    && ref $a->[1] eq 'HASH';
        $c->_message($a->[1]);
    }
}

sub _message {
    my ($c, $m) = @_;
    if (exists $m->{disconnect}) {
        push @{ $c->{disconnects} }, [ time, $m->{disconnect} ];
        $c->_closed("disconnect:$m->{disconnect}");
        return;
    }
    my $type = $m->{type} // '';
    if ($type eq 'CLIENT_VARS') {
        if ($c->{state} ne 'joining') {
            $c->_err('CLIENT_VARS while ' . $c->{state});
            return;
        }
        my $v = ref $m->{data} eq 'HASH' && $m->{data}{collab_client_vars};
        if (!$v || !defined $v->{rev}) {
            $c->_err('CLIENT_VARS without collab_client_vars');
            $c->_closed('bad CLIENT_VARS');
            return;
        }
        $c->{rev} = $v->{rev};
        $c->{text} = $v->{initialAttributedText}{text};
        $c->{state} = 'ready';
        push @{ $c->{cvs} }, { t => time, wait => time - $c->{join_t0},
                               rev => $c->{rev}, text => $c->{text} };
        return;
    }
    return unless $type eq 'COLLABROOM' && ref $m->{data} eq 'HASH';
    my $d = $m->{data};
    my $dt = $d->{type} // '';
    return unless $dt eq 'NEW_CHANGES' || $dt eq 'ACCEPT_COMMIT';
    if ($c->{state} ne 'ready') {
        $c->_err("$dt before CLIENT_VARS");
        return;
    }
    my $r = $d->{newRev} // -1;
    if ($dt eq 'NEW_CHANGES') {
        if ($r <= $c->{rev}) {
            $c->_err("duplicate NEW_CHANGES $r at rev $c->{rev}");
            return;
        }
        $c->_err("gap: NEW_CHANGES $r at rev $c->{rev}")
            if $r != $c->{rev} + 1;
        my $t = Test::Pad::Engine::cs_apply_text($d->{changeset}, $c->{text});
        if (!defined $t) {
            $c->_err("NEW_CHANGES $r ($d->{changeset}) does not apply to "
                     . 'the text (length ' . length($c->{text}) . ')');
        } else {
            $c->{text} = $t;
        }
        if (my $p = $c->{pending}) {
            my $f = Test::Pad::Engine::cs_follow($d->{changeset}, $p->{cs},
                                                 0, $d->{apool});
            defined $f ? ($p->{cs} = $f)
                       : $c->_err("follow of $p->{marker} over $r: $@");
        }
        $c->{rev} = $r;
        return;
    }
    my $p = delete $c->{pending};
    if (!$p) {
        $c->_err("ACCEPT_COMMIT $r without an edit in flight");
        return;
    }
    $c->_err("ACCEPT_COMMIT $r at rev $c->{rev}") if $r != $c->{rev} + 1;
    my $t = Test::Pad::Engine::cs_apply_text($p->{cs}, $c->{text});
    defined $t ? ($c->{text} = $t)
               : $c->_err("own $p->{marker} ($p->{cs}) does not apply");
    $c->{rev} = $r;
    push @{ $c->{acked} }, $p->{marker};
    $c->{edits_left}-- if $c->{edits_left} > 0;
    $c->{next_edit} = time + ($c->{pace} ? $c->{pace} * (0.5 + rand) : 0);
}

1;
