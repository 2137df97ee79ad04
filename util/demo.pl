#!/usr/bin/perl
# Show that the nginx started by "make run" serves a pad: an Etherpad
# client session over Engine.IO long-polling (handshake, Socket.IO CONNECT,
# CLIENT_READY -> CLIENT_VARS, USER_CHANGES -> ACCEPT_COMMIT), then the
# pad's text from GET /p/<pad>/export/txt.
#
#   perl util/demo.pl PORT [PAD]

use strict;
use warnings;
use HTTP::Tiny;
use JSON::PP;
use Encode qw(encode_utf8 decode_utf8);

my $port = shift or die "usage: $0 PORT [PAD]\n";
my $pad  = shift // 'demo';
# a long poll is held up to the ping interval (25 s)
my $http = HTTP::Tiny->new(timeout => 40);
my $json = JSON::PP->new->canonical;
my $base = "http://127.0.0.1:$port";
my $eio  = "$base/socket.io/?EIO=4&transport=polling&padId=$pad";

sub get {
    my ($url) = @_;
    for (1 .. 30) {
        my $r = $http->get($url);
        return decode_utf8($r->{content}) if $r->{success};
        die "demo: GET $url: $r->{status} $r->{content}\n" if $r->{status} != 599;
        select(undef, undef, undef, 0.1);
    }
    die "demo: no answer from $base\n";
}

sub post {
    my ($url, $body) = @_;
    my $r = $http->post($url, {
        content => encode_utf8($body),
        headers => { 'content-type' => 'text/plain;charset=UTF-8' },
    });
    die "demo: POST $url: $r->{status} $r->{content}\n" unless $r->{success};
    return $r->{content};
}

sub short {
    my ($s) = @_;
    $s =~ s/\n/\\n/g;
    return length($s) > 110 ? substr($s, 0, 107) . '...' : $s;
}

# UTF-16 length, as Etherpad counts
sub u16len { my $n = 0; $n += ord($_) > 0xffff ? 2 : 1 for split //, $_[0]; $n }

sub b36 {
    my ($n) = @_;
    my $s = '';
    do { $s = (0 .. 9, 'a' .. 'z')[$n % 36] . $s; $n = int($n / 36) } while $n;
    return $s;
}

# every message the server sent for this session, as decoded "message"s
sub poll {
    my ($sid) = @_;
    my @msgs;
    for my $p (split /\x1e/, get("$eio&sid=$sid")) {
        if ($p eq '2') { post("$eio&sid=$sid", '3'); next }
        next unless $p =~ /^42(\[.*)$/s;
        my $ev = $json->decode(encode_utf8($1));
        push @msgs, $ev->[1] if $ev->[0] eq 'message';
    }
    return @msgs;
}

sub wait_for {
    my ($sid, $test) = @_;
    for (1 .. 20) {
        for my $m (poll($sid)) {
            return $m if $test->($m);
        }
    }
    die "demo: the expected message did not arrive\n";
}

my $open = get($eio);
print "\nGET  /socket.io/?EIO=4&transport=polling   <- ", short($open), "\n";
my ($sid) = $open =~ /"sid":"([^"]+)"/ or die "demo: no sid in $open\n";

print "POST 40 (Socket.IO CONNECT)                <- ", post("$eio&sid=$sid", '40'), "\n";
print "GET                                        <- ", short(get("$eio&sid=$sid")), "\n";

my $token = 't.' . join '', map { ('a' .. 'z', 'A' .. 'Z', 0 .. 9)[rand 62] } 1 .. 20;
post("$eio&sid=$sid", '42' . $json->encode(['message', {
    component => 'pad', type => 'CLIENT_READY', padId => $pad,
    token => $token, userInfo => { name => 'make run', colorId => undef },
}]));
my $asked = time;
my $vars = wait_for($sid, sub { ($_[0]{type} // '') eq 'CLIENT_VARS' });
my $cv   = $vars->{data}{collab_client_vars};
my $text = $cv->{initialAttributedText}{text};
print "POST CLIENT_READY                          <- CLIENT_VARS: pad \"$pad\", rev $cv->{rev}, ",
      u16len($text), " chars, author $vars->{data}{userId}\n";
print "     (the pad is new and Redis's data set too: its creation waited ",
      time - $asked, " s for pad_redis_lost_grace, docs/operators/redis.md)\n"
    if time - $asked >= 2;

my $line = 'Hello from nginx at ' . gmtime() . " UTC\n";
my $n    = u16len($line);
my $cs   = 'Z:' . b36(u16len($text)) . '>' . b36($n) . '|1+' . b36($n) . '$' . $line;
post("$eio&sid=$sid", '42' . $json->encode(['message', {
    component => 'pad', type => 'COLLABROOM',
    data => { type => 'USER_CHANGES', baseRev => $cv->{rev}, changeset => $cs,
              apool => { numToAttrib => {}, nextNum => 0 } },
}]));
my $acc = wait_for($sid, sub {
    my $d = $_[0]{data};
    return exists $_[0]{disconnect}
        || (ref $d eq 'HASH' && ($d->{type} // '') eq 'ACCEPT_COMMIT');
});
die "demo: the server refused the edit: $acc->{disconnect}\n" if exists $acc->{disconnect};
print "POST USER_CHANGES ", short($cs), "  <- ACCEPT_COMMIT newRev $acc->{data}{newRev}\n";

post("$eio&sid=$sid", '1');

my $txt = get("$base/p/$pad/export/txt");
my @l = split /\n/, $txt;
print "\nGET /p/$pad/export/txt (", scalar(@l), " lines):\n";
print "  | $_\n" for @l[0 .. ($#l < 4 ? $#l : 4)];
print "  | ...\n" if @l > 5;
print "\nOpen the pad with any Etherpad client at $base/socket.io/ (padId=$pad),\n",
      "e.g. etherpad-cli-client $base/p/$pad\n";
