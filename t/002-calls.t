# The call graph between source files, read from the module's object
# files (nm: what each defines, what each takes from another), must be
# one-way:
#   - no two files call each other, directly or around a loop (a lower
#     file reaches a higher one only through a pointer it was handed);
#   - a layer calls by name only the layers below it, as t/001-layers.t
#     has it for includes (transport and engine meet only through the
#     app interface: the engine calls the socket functions that
#     ngx_pad_app.h declares, the transport calls the engine only through
#     the table of callbacks handed to ngx_pad_app_set()); every part may
#     name the module object, ngx_pad_module, as nginx modules do.
# A failure names the files of the loop and the symbols that tie them.
# PAD_LAYERS_ROOT checks another tree (a work tree of a branch, built).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Find;

my $root = $ENV{PAD_LAYERS_ROOT} // "$FindBin::Bin/..";
my $objs = "$root/build/nginx/addon";

plan skip_all => 'module not built (run make build)' unless -d $objs;

# what each part may call by name (besides itself and src/)
my %may = (
    src       => [],
    conf      => [],
    metrics   => [],
    request   => [],
    redis     => [qw(conf metrics)],
    store     => [qw(conf metrics redis)],
    authz     => [qw(conf metrics redis store)],
    engine    => [qw(conf metrics redis store authz)],
    http      => [qw(conf metrics request redis store authz)],
    transport => [qw(conf metrics request redis)],
    module    => [qw(conf metrics request redis store authz engine http transport)],
);

sub part_of {
    my ($path) = @_;
    return 'src' if $path =~ m{^src/};
    return $1
        if $path =~ m{^ngx_pad_module/(conf|metrics|request|redis|store|authz|engine|http|transport)/};
    return 'module';
}

# the app interface: what ngx_pad_app.h declares, the engine may call
my %app;
{
    open my $fh, '<', "$root/ngx_pad_module/ngx_pad_app.h" or die $!;
    local $/;
    my $h = <$fh>;
    $app{$1} = 1 while $h =~ /\b(ngx_pad_[a-z0-9_]+)\s*\(/g;
}

my (@sources, %objects);

find({ no_chdir => 1, wanted => sub {
    push @sources, $File::Find::name =~ s{^\Q$root\E/}{}r
        if /\.c\z/ && -f $_;
} }, map { "$root/$_" } qw(src ngx_pad_module));

# nginx puts addon/<folder>/<name>.o; a renamed folder leaves old copies,
# so the newest object of a name is the one built from today's source
find({ no_chdir => 1, wanted => sub {
    return unless /\.o\z/ && -f $_;
    my ($name) = m{([^/]+)\.o\z};
    $objects{$name} = $File::Find::name
        if !$objects{$name} || -M $_ < -M $objects{$name};
} }, $objs);

my (%defined_in, %wants);

for my $src (sort @sources) {
    my ($name) = $src =~ m{([^/]+)\.c\z};
    my $o = $objects{$name};
    ok($o, "$src: has an object file") or next;

    for my $l (`nm -P "$o"`) {
        my ($sym, $type) = split ' ', $l;
        next unless defined $type && $sym =~ /^ngx_pad_/;
        if ($type eq 'U') {
            push @{ $wants{$src} }, $sym;
        } elsif ($type =~ /^[TDBRCV]\z/) {
            $defined_in{$sym} = $src;
        }
    }
}

my %edge;                      # $edge{a}{b} = [symbols a takes from b]

for my $src (keys %wants) {
    for my $sym (@{ $wants{$src} }) {
        next if $sym eq 'ngx_pad_module';       # the module object
        my $to = $defined_in{$sym} // next;
        next if $to eq $src;
        push @{ $edge{$src}{$to} }, $sym;
    }
}

# layers
my @wrong;

for my $a (sort keys %edge) {
    my $pa = part_of($a);
    for my $b (sort keys %{ $edge{$a} }) {
        my $pb = part_of($b);
        next if $pa eq $pb || $pb eq 'src';
        next if grep { $_ eq $pb } @{ $may{$pa} };
        my @syms = grep {
            !($pa eq 'engine' && $pb eq 'transport' && $app{$_})
        } @{ $edge{$a}{$b} };
        push @wrong, "$a -> $b: " . join(', ', sort @syms) if @syms;
    }
}

is(scalar @wrong, 0, 'no layer calls a higher or a sibling layer by name')
    or diag(join "\n", @wrong);

# loops: Tarjan's strongly connected components
my ($index, @stack, %on, %idx, %low, @loops) = (0);

sub connect_from {
    my ($v) = @_;
    $idx{$v} = $low{$v} = $index++;
    push @stack, $v;
    $on{$v} = 1;

    for my $w (sort keys %{ $edge{$v} || {} }) {
        if (!defined $idx{$w}) {
            connect_from($w);
            $low{$v} = $low{$w} if $low{$w} < $low{$v};
        } elsif ($on{$w}) {
            $low{$v} = $idx{$w} if $idx{$w} < $low{$v};
        }
    }

    return unless $low{$v} == $idx{$v};

    my @c;
    while (1) {
        my $w = pop @stack;
        $on{$w} = 0;
        push @c, $w;
        last if $w eq $v;
    }
    push @loops, [ sort @c ] if @c > 1;
}

for my $v (sort @sources) {
    connect_from($v) unless defined $idx{$v};
}

for my $loop (@loops) {
    my %in = map { $_ => 1 } @$loop;
    my @ties;
    for my $a (@$loop) {
        for my $b (sort grep { $in{$_} } keys %{ $edge{$a} || {} }) {
            push @ties, "  $a -> $b: "
                        . join(', ', sort @{ $edge{$a}{$b} });
        }
    }
    diag("a loop of " . scalar(@$loop) . " files:\n" . join "\n", @ties);
}

is(scalar @loops, 0, 'no loop of calls between files');

done_testing();
