# The documentation against itself and against the sources:
#   - every relative link of README.md and docs/**/*.md names a file that
#     exists, and every #anchor a heading of that file (GitHub's anchors:
#     the heading's text in lower case, punctuation dropped, spaces to
#     "-", "-1", "-2" ... for repeated headings);
#   - the directive reference (docs/operators/configuration.md, "Directive
#     reference") lists every directive the sources define (their
#     { ngx_string("pad_...") command entries) and no other.
# A check that fails names the file, the line and the link or directive.

use strict;
use warnings;

use FindBin;
use Test::More;
use File::Find;
use File::Path ();
use File::Temp ();
use File::Basename qw(dirname);
use File::Spec;

my $root = "$FindBin::Bin/..";
my $reference = 'docs/operators/configuration.md';

sub slurp {
    my ($f) = @_;
    open my $fh, '<:encoding(UTF-8)', $f or die "$f: $!";
    local $/;
    return <$fh>;
}

# the Markdown files of the docs: README.md and docs/**/*.md
sub doc_files {
    my ($root) = @_;
    my @f = -f "$root/README.md" ? ('README.md') : ();
    if (-d "$root/docs") {
        find({ no_chdir => 1, wanted => sub {
            push @f, File::Spec->abs2rel($File::Find::name, $root)
                if /\.md\z/ && -f $_;
        } }, "$root/docs");
    }
    return sort @f;
}

# lines outside fenced code blocks, as [number, text]
sub prose_lines {
    my ($text) = @_;
    my ($n, $fence, @out) = (0, undef);
    for my $l (split /\n/, $text) {
        $n++;
        if ($l =~ /^\s*(```+|~~~+)/) {
            my $f = substr($1, 0, 3);
            if (!defined $fence) { $fence = $f; }
            elsif ($f eq $fence) { undef $fence; }
            next;
        }
        push @out, [ $n, $l ] unless defined $fence;
    }
    return @out;
}

# GitHub's anchor of a heading's text
sub slug {
    my ($h) = @_;
    $h =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;      # a link: its text
    $h =~ s/<[^>]+>//g;                      # inline HTML
    $h = lc $h;
    $h =~ s/[^\w\- ]//g;                     # punctuation (keeps _ and -)
    $h =~ s/ /-/g;
    return $h;
}

# the anchors of one file
sub anchors {
    my ($text) = @_;
    my (%seen, %a);
    for my $pl (prose_lines($text)) {
        next unless $pl->[1] =~ /^#{1,6}\s+(.*?)\s*#*\s*$/;
        my $s = slug($1);
        my $k = $seen{$s}++ ? "$s-" . ($seen{$s} - 1) : $s;
        $a{$k} = 1;
    }
    return \%a;
}

# every broken link of the tree, as "file:line: link (why)"
sub check_links {
    my ($root) = @_;
    my (@bad, %anchors, $n);
    for my $f (doc_files($root)) {
        my $text = slurp("$root/$f");
        for my $pl (prose_lines($text)) {
            my ($line, $l) = @$pl;
            $l =~ s/``[^`]*``|`[^`]*`//g;    # code spans are not links
            while ($l =~ /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g) {
                my $link = $1;
                next if $link =~ m{^[a-z][a-z0-9+.-]*:}i;   # http:, mailto:
                $n++;
                my ($path, $anchor) = $link =~ /^([^#]*)(?:#(.*))?\z/;
                my $target = $path eq ''
                    ? $f
                    : File::Spec->canonpath(dirname($f) . "/$path");
                1 while $target =~ s{(^|/)(?!\.\./)[^/]+/\.\.(/|\z)}{$1};
                if ($target =~ m{^\.\./} || !-e "$root/$target") {
                    push @bad, "$f:$line: $link (no file $target)";
                    next;
                }
                next unless defined $anchor && length $anchor;
                if ($target !~ /\.md\z/i || -d "$root/$target") {
                    push @bad, "$f:$line: $link (an anchor into a file that "
                               . 'is not Markdown)';
                    next;
                }
                $anchors{$target} //= anchors(slurp("$root/$target"));
                push @bad, "$f:$line: $link (no heading #$anchor in $target)"
                    unless $anchors{$target}{$anchor};
            }
        }
    }
    return ($n // 0, \@bad);
}

# the directives the sources define
sub source_directives {
    my ($root) = @_;
    my %d;
    for my $dir (qw(ngx_pad_module src)) {
        next unless -d "$root/$dir";
        find({ no_chdir => 1, wanted => sub {
            return unless /\.[ch]\z/ && -f $_;
            my $t = slurp($_);
            $d{$1} = 1 while $t =~ /\{[ \t]*ngx_string\("(pad_[a-z0-9_]+)"\)\s*,/g;
        } }, "$root/$dir");
    }
    return \%d;
}

# the directives of the reference table: the first word of each row's
# first cell, in the section "Directive reference"
sub reference_directives {
    my ($root) = @_;
    my (%d, @dup, $in);
    return (\%d, \@dup) unless -f "$root/$reference";
    for my $pl (prose_lines(slurp("$root/$reference"))) {
        my $l = $pl->[1];
        if ($l =~ /^#{1,6}\s+(.*)/) {
            $in = $1 =~ /^Directive reference\s*$/i;
            next;
        }
        next unless $in && $l =~ /^\|\s*`(pad_[a-z0-9_]+)[^`]*`\s*\|/;
        push @dup, $1 if $d{$1}++;
    }
    return (\%d, \@dup);
}

sub check_directives {
    my ($root) = @_;
    my $src = source_directives($root);
    my ($ref, $dup) = reference_directives($root);
    return ([ sort grep { !$ref->{$_} } keys %$src ],
            [ sort grep { !$src->{$_} } keys %$ref ],
            $dup, scalar keys %$src);
}

# this tree

my @docs = doc_files($root);
ok(scalar(grep { m{^docs/} } @docs) >= 5,
   'README.md and docs/ were read (' . scalar(@docs) . ' files)');

my ($nlinks, $bad) = check_links($root);
ok($nlinks > 20, "the links were read ($nlinks)");
is(scalar @$bad, 0, 'every relative link names a file, every anchor a '
   . 'heading') or diag(join "\n", @$bad);

my ($undocumented, $unknown, $dup, $nsrc) = check_directives($root);
ok($nsrc > 30, "the sources' directives were read ($nsrc)");
is(scalar @$undocumented, 0, "every directive of the sources is in $reference")
    or diag('not in the reference: ' . join ' ', @$undocumented);
is(scalar @$unknown, 0, 'the reference names no directive the sources do '
   . 'not define') or diag('not in the sources: ' . join ' ', @$unknown);
is(scalar @$dup, 0, 'each directive has one row') or diag(join ' ', @$dup);

# the checks themselves: a tree with a broken link, a broken anchor, a
# directive missing from the reference and one the sources lack

{
    my $t = File::Temp::tempdir('docs-check-XXXXXX', TMPDIR => 1,
                                CLEANUP => 1);
    my %files = (
        'README.md' => "# Title\n\n## Set-up: two `make` commands\n\n"
            . "[ok](docs/operators/configuration.md#directive-reference)\n"
            . "[ok](#set-up-two-make-commands) [web](https://example.org/x)\n"
            . "[gone](docs/nothing.md) [bad anchor](#no-such-heading)\n"
            . "```\n[in code](nowhere.md)\n# not a heading\n```\n"
            . "`[in a code span](nowhere.md)`\n",
        'docs/operators/configuration.md' => "# Configuration\n\n"
            . "## Directive reference\n\n| directive | what |\n|---|---|\n"
            . "| `pad_one` | one |\n| `pad_three n` | three |\n\n"
            . "## Details\n\n### `pad_one`\n\n[up](../../README.md#title)"
            . " [self](#pad_one) [bad](#not-in-code-heading)\n",
        'ngx_pad_module/a.c' => "    { ngx_string(\"pad_one\"),\n"
            . "    { ngx_string(\"pad_two\"), NGX_HTTP_MAIN_CONF,\n"
            . "static ngx_str_t  x = ngx_string(\"pad_not_a_directive\");\n",
    );
    for my $f (sort keys %files) {
        File::Path::make_path(dirname("$t/$f"));
        open my $fh, '>', "$t/$f" or die "$t/$f: $!";
        print $fh $files{$f};
        close $fh;
    }

    my ($tn, $tb) = check_links($t);
    is_deeply([ map { (split / /)[1] } @$tb ],
              [ 'docs/nothing.md', '#no-such-heading',
                '#not-in-code-heading' ],
              'the check catches a missing file and missing headings, and '
              . 'skips code and absolute links')
        or diag(join "\n", @$tb);

    my ($tu, $tk) = check_directives($t);
    is_deeply($tu, [ 'pad_two' ], 'the check catches a directive missing '
              . 'from the reference');
    is_deeply($tk, [ 'pad_three' ], 'the check catches a directive the '
              . 'sources do not define');
}

done_testing();
