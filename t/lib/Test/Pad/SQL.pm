package Test::Pad::SQL;

# Private SQL servers of the migration tests (t/900-919), each on a free
# loopback port in a temporary directory, stopped at exit, with
# ueberDB's "store" table (its postgres and mysql drivers' CREATE TABLE):
#
#   my $pg = Test::Pad::SQL->postgres or skip;    # initdb + pg_ctl
#   my $my = Test::Pad::SQL->mariadb or skip;     # mariadb-install-db +
#                                                 # mariadbd
#   $pg->load($ep->rows);  $pg->url;  $pg->sql("...")
#
# PostgreSQL refuses to run as root: then its cluster belongs to the
# "postgres" user (runuser).

use strict;
use warnings;
use Time::HiRes qw(sleep);
use Test::Pad ();

my @STOP;

END { $_->stop for reverse @STOP }

sub _run {
    my ($cmd, $log) = @_;
    system("$cmd >>$log 2>&1") == 0;
}

sub postgres {
    my ($class) = @_;
    my ($bin) = sort { $b cmp $a } glob '/usr/lib/postgresql/*/bin';
    return undef unless $bin && -x "$bin/initdb";
    my $d = Test::Pad::tmpdir('pg');
    my $port = Test::Pad::free_port();
    my $as = $> == 0 ? 'runuser -u postgres -- ' : '';
    if ($> == 0) {
        my ($uid, $gid) = (getpwnam 'postgres')[2, 3];
        return undef unless defined $uid;
        chown $uid, $gid, $d;
        chmod 0755, $d;
    }
    my $self = bless { kind => 'postgres', dir => $d, port => $port,
                       bin => $bin, as => $as, log => "$d/setup.log" },
                     $class;
    _run("${as}$bin/initdb -D $d/data -U etherpad -A trust -E UTF8 "
         . "--locale=C.UTF-8", $self->{log}) or return undef;
    _run("${as}$bin/pg_ctl -D $d/data -l $d/server.log -w -o "
         . "'-p $port -k $d -c listen_addresses=127.0.0.1' start",
         $self->{log}) or return undef;
    push @STOP, $self;
    $self->sql('CREATE DATABASE etherpad', 'postgres') or return undef;
    $self->sql('CREATE TABLE IF NOT EXISTS store ("key" character '
               . 'varying(100) NOT NULL, "value" text NOT NULL, '
               . 'CONSTRAINT store_pkey PRIMARY KEY (key))') or return undef;
    return $self;
}

sub mariadb {
    my ($class) = @_;
    return undef unless -x '/usr/sbin/mariadbd';
    my $d = Test::Pad::tmpdir('mariadb');
    my $port = Test::Pad::free_port();
    my $self = bless { kind => 'mysql', dir => $d, port => $port,
                       log => "$d/setup.log" }, $class;
    _run("mariadb-install-db --no-defaults --datadir=$d/data --user=root "
         . "--auth-root-authentication-method=normal --skip-test-db",
         $self->{log}) or return undef;
    my $pid = fork // return undef;
    if ($pid == 0) {
        open STDOUT, '>>', "$d/server.log";
        open STDERR, '>&', \*STDOUT;
        exec '/usr/sbin/mariadbd', '--no-defaults', "--datadir=$d/data",
             "--socket=$d/sock", "--port=$port", '--bind-address=127.0.0.1',
             '--skip-grant-tables', '--user=root', "--pid-file=$d/pid",
             '--skip-log-bin', '--innodb-buffer-pool-size=16M';
        exit 127;
    }
    $self->{pid} = $pid;
    push @STOP, $self;
    Test::Pad::wait_until(sub {
        system("mariadb -h 127.0.0.1 -P $port -u root -e 'SELECT 1' "
               . ">/dev/null 2>&1") == 0 }, 30) or return undef;
    $self->sql('CREATE DATABASE etherpad', '') or return undef;
    $self->sql('CREATE TABLE IF NOT EXISTS `store` ( `key` VARCHAR( 100 ) '
               . 'NOT NULL COLLATE utf8mb4_bin, `value` LONGTEXT COLLATE '
               . 'utf8mb4_bin NOT NULL , PRIMARY KEY ( `key` ) ) '
               . 'ENGINE=InnoDB CHARSET=utf8mb4 COLLATE=utf8mb4_bin')
        or return undef;
    return $self;
}

sub url {
    my ($self) = @_;
    return $self->{kind} eq 'postgres'
        ? "postgres://etherpad\@127.0.0.1:$self->{port}/etherpad"
        : "mysql://root:\@127.0.0.1:$self->{port}/etherpad";
}

# runs SQL (a string, or a file with $o{file}) in the database $db
sub sql {
    my ($self, $sql, $db, %o) = @_;
    $db //= 'etherpad';
    my $f = $o{file};
    unless ($f) {
        $f = "$self->{dir}/q.sql";
        open my $fh, '>:raw', $f or die $!;
        print $fh $sql;
        close $fh;
    }
    if ($self->{kind} eq 'postgres') {
        return _run("psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "
                    . "$self->{port} -U etherpad -d $db -f $f", $self->{log});
    }
    return _run("mariadb --default-character-set=utf8mb4 -h 127.0.0.1 -P "
                . "$self->{port} -u root " . ($db ne '' ? $db : '')
                . " < $f", $self->{log});
}

# rows [key, value] (UTF-8 bytes) into store, as ueberDB's set
sub load {
    my ($self, @rows) = @_;
    my $f = "$self->{dir}/load.sql";
    open my $fh, '>:raw', $f or die $!;
    for my $r (@rows) {
        my ($k, $v) = @$r;
        if ($self->{kind} eq 'postgres') {
            (my $ks = $k) =~ s/'/''/g;
            (my $vs = $v) =~ s/'/''/g;
            print $fh "INSERT INTO store VALUES ('$ks', '$vs') ON CONFLICT "
                    . "(key) DO UPDATE SET value = excluded.value;\n";
        } else {
            my ($ks, $vs) = map { my $s = $_; $s =~ s/([\\'])/\\$1/g;
                                  $s =~ s/\n/\\n/g; $s } $k, $v;
            print $fh "REPLACE INTO store VALUES ('$ks', '$vs');\n";
        }
    }
    close $fh;
    return $self->sql(undef, undef, file => $f);
}

sub stop {
    my ($self) = @_;
    if ($self->{kind} eq 'postgres') {
        _run("$self->{as}$self->{bin}/pg_ctl -D $self->{dir}/data -m "
             . "immediate stop", $self->{log}) if $self->{dir};
    } elsif (my $pid = delete $self->{pid}) {
        kill 'TERM', $pid;
        Test::Pad::wait_until(sub { waitpid($pid, 1) == $pid }, 20);
        kill 'KILL', $pid if kill 0, $pid;
    }
    $self->{dir} = undef if $self->{kind} eq 'postgres';
}

1;
