# setHTML (ImportHtml.setPadHTML through src/html/'s import): the pad's
# content replaced by the HTML's, with its attributes, as one revision that
# a connected client receives; getHTML and getText read it back; bad input
# is code 1 with Etherpad's messages and writes nothing.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad 'no_plan';
use Test::Pad::Engine qw(engine_nginx pad_joined pad_insert pad_recv_until);
use Test::More;

my $redis = Test::Pad::Redis->new;
ok($redis->start, 'redis starts');
my $dir = Test::Pad::tmpdir();
open my $fh, '>', "$dir/key" or die $!;
print $fh 'k713';
close $fh;

my $ng = engine_nginx(redis_port => $redis->port,
    http   => "pad_api_key_file $dir/key;\npad_redis_prefix t713:;\n",
    server => "location /api { pad_api; }\n");
ok($ng, 'nginx starts') or die;

sub api {
    my ($fn, %p) = @_;
    my $r = http_post($ng, "/api/1.3.0/$fn",
        join('&', map { "$_=" . esc($p{$_}) } 'apikey', sort keys %p),
        headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ]);
    return Test::Pad::json_decode($r->{body});
}
sub esc { my $s = $_[0] // 'k713'; utf8::encode($s) if utf8::is_utf8($s);
          $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge; $s }

my $c = pad_joined($ng, 'htmlpad', 't.' . 'h' x 20);
ok($c, 'a client joins') or die;
is(pad_insert($c, "old text\n"), 'accepted', 'it types');

my $j = api('setHTML', padID => 'htmlpad',
            html => '<p>Hello <b>bold</b> &amp; <i>it</i></p>'
                    . '<ul><li>one</li><li>two</li></ul>');
is_deeply($j, { code => 0, message => 'ok', data => undef }, 'setHTML');

my ($m) = pad_recv_until($c->{ws},
    sub { ($_[0]{data}{type} || '') eq 'NEW_CHANGES' }, 5);
ok($m, 'the client gets the revision as NEW_CHANGES');
is($m && $m->{data}{newRev}, 2, '... revision 2: one revision for setHTML');

$j = api('getText', padID => 'htmlpad', rev => 2);
is($j->{data}{text}, "Hello bold & it\n*one\n*two\n\n",
   'the text as stored (list lines start with the line marker)');
$j = api('getText', padID => 'htmlpad');
like($j->{data}{text}, qr/^Hello bold & it\n\t\* one\n\t\* two\n/,
     'getText renders the list as Etherpad');
$j = api('getHTML', padID => 'htmlpad');
like($j->{data}{html}, qr{^<!DOCTYPE HTML><html><body>Hello <strong>bold</strong> &amp; <em>it</em><br><ul class="bullet"><li>one</li><li>two</ul><br></body></html>$},
     'getHTML gives the attributes back');
$j = api('getRevisionsCount', padID => 'htmlpad');
is($j->{data}{revisions}, 2, 'two revisions');

$j = api('setHTML', padID => 'htmlpad', html => '<li>stray</li>');
is_deeply($j, { code => 1, message => 'HTML is malformed', data => undef },
          'an <li> outside a list: HTML is malformed');
$j = api('setHTML', padID => 'htmlpad');
is($j->{message}, 'html is not a string', 'no html');
$j = api('setHTML', padID => 'nosuch', html => '<p>x</p>');
is($j->{message}, 'padID does not exist', 'no pad');
$j = api('getRevisionsCount', padID => 'htmlpad');
is($j->{data}{revisions}, 2, 'refused calls wrote nothing');

$j = api('setHTML', padID => 'htmlpad', html => '<p>by</p>',
         authorId => 'a.' . 'z' x 16);
is($j->{code}, 0, 'setHTML with an authorId');
$j = api('getAttributePool', padID => 'htmlpad');
ok(grep({ $_->[0] eq 'author' && $_->[1] eq 'a.' . 'z' x 16 }
        values %{ $j->{data}{pool}{numToAttrib} }),
   '... the author is in the pool');
$j = api('getText', padID => 'htmlpad');
is($j->{data}{text}, "by\n\n", '... and the text is the HTML\'s (a '
   . 'paragraph, then the pad\'s newline, as Etherpad)');

$c->{ws}->close;
unlike($ng->log, qr/\[(alert|crit|emerg)\]/, 'no alert');
$ng->stop;
