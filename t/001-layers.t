# The layout's rules, read from the sources' #include lines
# (docs/developers/layout.md):
#   - src/ holds the pure cores: no nginx header, nothing of
#     ngx_pad_module/;
#   - ngx_pad_module/ holds one folder per layer, and a layer includes only
#     the layers below it (transport -> app interface <- engine -> store ->
#     redis; the HTTP handlers over the store; the metrics and the
#     directive helpers (conf) below every layer, knowing none); only the module object (ngx_pad_module.[ch])
#     includes every layer.
# A file that breaks a rule fails this test with the line that does.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Pad;
use Test::More;
use File::Find;
use File::Path ();

my $root = "$FindBin::Bin/..";

# what each part of ngx_pad_module/ may include (besides itself and src/)
my %may = (
    'ngx_pad_app.h' => [],
    conf            => [],
    metrics         => [],
    request         => [],
    redis           => [qw(conf metrics)],
    store           => [qw(conf metrics redis)],
    authz           => [qw(conf metrics redis store)],
    engine          => [qw(conf metrics redis store authz ngx_pad_app.h)],
    http            => [qw(conf metrics request redis store authz)],
    transport       => [qw(conf metrics request redis ngx_pad_app.h)],
    module          => [qw(conf metrics request redis store authz engine http transport
                           ngx_pad_app.h module)],
);

my @pure = qw(access codec commit easysync html msg);

sub part_of_include {
    my ($inc) = @_;
    return 'src' if grep { $inc =~ m{^\Q$_\E/} } @pure;
    return 'src' if $inc eq 'ngx_pad_version.h';
    return $1 if $inc =~ m{^(conf|metrics|request|redis|store|authz|engine|http|transport)/};
    return 'ngx_pad_app.h' if $inc eq 'ngx_pad_app.h';
    return 'module' if $inc eq 'ngx_pad_module.h';
    return 'local';            # a name of the including file's own folder
}

sub sources {
    my ($root, $dir) = @_;
    my @f;
    find({ no_chdir => 1, wanted => sub {
        push @f, $File::Find::name if /\.[ch]\z/ && -f $_;
    } }, "$root/$dir");
    return sort @f;
}

sub includes {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!";
    my @inc;
    while (my $l = <$fh>) {
        push @inc, [ $., $1, $2 ]
            if $l =~ /^\s*#\s*include\s*([<"])([^>"]+)[>"]/;
    }
    return @inc;
}

# (files read, what src/ breaks, what ngx_pad_module/ breaks)
sub check_tree {
    my ($root) = @_;
    my (@pure_bad, @layer_bad);
    my $n = 0;

    for my $f (sources($root, 'src')) {
        $n++;
        (my $rel = $f) =~ s{^\Q$root\E/}{};
        for my $i (includes($f)) {
            my ($line, $kind, $inc) = @$i;
            if ($kind eq '<' && $inc =~ /^ngx_/) {
                push @pure_bad, "$rel:$line includes <$inc>";
            } elsif ($kind eq '"'
                     && part_of_include($inc) !~ /^(src|local)\z/)
            {
                push @pure_bad, "$rel:$line includes \"$inc\" of "
                                . 'ngx_pad_module/';
            }
        }
    }

    for my $f (sources($root, 'ngx_pad_module')) {
        $n++;
        (my $rel = $f) =~ s{^\Q$root\E/}{};
        my $part = $rel =~ m{^ngx_pad_module/([^/]+)/} ? $1
                 : $rel =~ m{ngx_pad_app\.h\z} ? 'ngx_pad_app.h' : 'module';
        my %ok = map { $_ => 1 } @{ $may{$part} || [] }, $part, 'src',
                                 'local';
        for my $i (includes($f)) {
            my ($line, $kind, $inc) = @$i;
            next if $kind eq '<';
            my $to = part_of_include($inc);
            push @layer_bad, "$rel:$line ($part) includes \"$inc\" ($to)"
                unless $ok{$to};
        }
    }

    return ($n, \@pure_bad, \@layer_bad);
}

my ($n, $pure_bad, $layer_bad) = check_tree($root);

ok($n > 50, "the layout's sources were read ($n files)");
is(scalar @$pure_bad, 0, 'src/ includes no nginx header and nothing of '
   . 'ngx_pad_module/') or diag(join "\n", @$pure_bad);
is(scalar @$layer_bad, 0, 'no layer of ngx_pad_module/ includes a higher '
   . 'one') or diag(join "\n", @$layer_bad);

# every ngx_pad_ name the module uses is one it defines (a function left
# behind by a move fails dlopen() only when nginx starts)
SKIP: {
    my $so = "$root/build/ngx_pad_module.so";
    skip 'the module is not built', 1 unless -f $so;
    my @undef = grep { /\bU ngx_pad_/ } `nm -D --undefined-only $so`;
    is(scalar @undef, 0, 'the module defines every ngx_pad_ name it uses')
        or diag(@undef);
}

# the check itself: a tree with one file breaking each rule
{
    my $t = Test::Pad::tmpdir('layers');
    my %files = (
        'src/codec/bad.c'               => "#include <ngx_core.h>\n",
        'src/msg/bad.h'                 => "#include \"store/ngx_pad_store.h\"\n",
        'src/easysync/fine.c'           => "#include \"easysync/ngx_pad_cs.h\"\n",
        'ngx_pad_module/store/bad.c'    => "#include \"engine/ngx_pad_engine.h\"\n",
        'ngx_pad_module/redis/bad.c'    => "#include \"store/ngx_pad_store.h\"\n",
        'ngx_pad_module/transport/bad.c' => "#include \"engine/ngx_pad_engine.h\"\n",
        'ngx_pad_module/engine/fine.c'  => "#include \"ngx_pad_app.h\"\n"
                                         . "#include \"store/ngx_pad_store.h\"\n",
        'ngx_pad_module/ngx_pad_module.c' => "#include \"engine/ngx_pad_engine.h\"\n",
    );
    for my $f (sort keys %files) {
        (my $d = "$t/$f") =~ s{/[^/]+\z}{};
        File::Path::make_path($d);
        open my $fh, '>', "$t/$f" or die "$t/$f: $!";
        print $fh $files{$f};
        close $fh;
    }
    my ($tn, $tp, $tl) = check_tree($t);
    is_deeply([ sort map { (split /:/)[0] } @$tp ],
              [ 'src/codec/bad.c', 'src/msg/bad.h' ],
              'the check catches a pure file with an nginx or a layer\'s '
              . 'header');
    is_deeply([ sort map { (split /:/)[0] } @$tl ],
              [ 'ngx_pad_module/redis/bad.c', 'ngx_pad_module/store/bad.c',
                'ngx_pad_module/transport/bad.c' ],
              'the check catches a lower layer including a higher one, and '
              . 'the transport including the engine');
}

done_testing();
