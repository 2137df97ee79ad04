package Test::Pad::API;

# Helpers of the HTTP API tests (t/7xx): the API key file, one call with
# its parameters %-escaped (GET, or a urlencoded POST), the answers
# Etherpad gives for success and for wrong parameters.
#
#   my $kf = api_key_file($key);            # pad_api_key_file $kf;
#   my $j  = api_call($ng, $key, 'getText', { padID => 'p' },
#                     version => '1.2.13', post => 1);
#   is_deeply($j, ok_data({ text => ... }));

use strict;
use warnings;

use Exporter 'import';
use Test::Pad ();

our @EXPORT = qw(api_key_file api_call api_uri ok_data err1);

# a file holding the key as Etherpad's APIKEY.txt does (with a newline)
sub api_key_file {
    my ($key) = @_;
    my $f = Test::Pad::tmpdir() . '/APIKEY.txt';
    open my $fh, '>', $f or die "$f: $!";
    print $fh "$key\n";
    close $fh;
    return $f;
}

# a parameter as a form encodes it (%XX; a string of characters as
# UTF-8, bytes as they are; $chars: every string as characters, so that
# "\xe9" goes as the UTF-8 of U+00E9)
sub api_uri {
    my ($s, $chars) = @_;
    utf8::upgrade($s) if $chars;
    utf8::encode($s) if utf8::is_utf8($s);
    $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# the decoded answer ({status} when it is not JSON); in list context the
# HTTP response too.  Options: version (1.3.0), post (a urlencoded body;
# also when the query would pass 2000 bytes), raw (values sent as given),
# chars (values are characters: see api_uri)
sub api_call {
    my ($ng, $key, $fn, $q, %o) = @_;
    my %p = (defined $key ? (apikey => $key) : (), %{ $q || {} });
    my $qs = join '&', map {
        "$_=" . ($o{raw} ? $p{$_} : api_uri($p{$_}, $o{chars}))
    } sort keys %p;
    my $path = '/api/' . ($o{version} // '1.3.0') . "/$fn";
    my $r = ($o{post} || length $qs > 2000)
        ? Test::Pad::http_post($ng, $path, $qs, headers =>
              [ 'Content-Type' => 'application/x-www-form-urlencoded' ])
        : Test::Pad::http_get($ng, $qs eq '' ? $path : "$path?$qs");
    my $j = Test::Pad::json_decode($r->{body} // '')
            // { status => $r->{status} };
    return wantarray ? ($r, $j) : $j;
}

sub ok_data { { code => 0, message => 'ok', data => $_[0] } }
sub err1 { { code => 1, message => $_[0], data => undef } }

1;
