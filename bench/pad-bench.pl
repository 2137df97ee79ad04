#!/usr/bin/perl
# The pad engine benchmark (issue 5): starts its own redis-server and nginx
# (with the module) on free 127.0.0.1 ports, runs the scenarios with
# build/padload for every combination of worker count and
# pad_new_changes_batch, and writes bench/results/latest.json and
# bench/results/latest.md.
#
#   perl bench/pad-bench.pl [--profile quick|full] [--only s1,s3,...]
#                           [--workers 1,2] [--batch off,on] [--out DIR]
#
# BENCH_PAD_MODULE and BENCH_PADLOAD replace build/ngx_pad_module.so and
# build/padload (to compare builds).
#
# Scenarios (every run ends with the convergence check of every client
# against export/txt; errors, gaps, duplicates and mismatches must be 0):
#   s1  fan-out: 1 pad x 1 closed-loop writer x 200 readers
#   s2  mixed: 10 pads x 2 closed-loop writers x 20 readers
#   s3  hot pad: 1 pad x 20 closed-loop writers x 100 readers
#   s4  etherpad-load-test pattern: authors append 4 characters every
#       400 ms, one lurker per author, AUTHORS_PER_PAD authors per pad;
#       the author count rises until p95 fan-out latency passes 2 s
#   s5  idle: 20,000 joined sessions (20 per pad), no traffic

use strict;
use warnings;

use FindBin;
use Getopt::Long;
use IO::Socket::INET;
use POSIX qw(strftime);
use Time::HiRes qw(time sleep);
use Cpanel::JSON::XS;

my $ROOT = "$FindBin::Bin/..";
$ROOT =~ s{/bench/\.\.$}{};
my $PADLOAD = $ENV{BENCH_PADLOAD} || "$ROOT/build/padload";
my $MODULE = $ENV{BENCH_PAD_MODULE} || "$ROOT/build/ngx_pad_module.so";
my $NGINX = $ENV{NGINX} || '/usr/sbin/nginx';

my %o = (profile => 'quick', only => 's1,s2,s3,s4,s5', workers => '1,2',
         batch => 'off,on', out => "$ROOT/bench/results", procs => 2);
GetOptions(\%o, 'profile=s', 'only=s', 'workers=s', 'batch=s', 'out=s',
           'procs=i', 's45=s') or die "bad options\n";

# the quick profile (make bench, under 3 minutes with the other parts'
# benchmarks) runs s4 and s5 only in two set-ups ("1-off,2-on"), the author
# sweep in two steps and the idle scenario with 5,000 sessions
my $full = $o{profile} eq 'full';
my %P = $full
    ? (dur => 10, warm => 2, s4_steps => [500, 1000, 2000, 3000, 4000, 5000,
                                          6000, 8000],
       s4_dur => 8, s4_warm => 2, idle => 20000, idle_hold => 3,
       s45 => 'all')
    : (dur => 2, warm => 0.5, s4_steps => [1000, 4000],
       s4_dur => 2, s4_warm => 1, idle => 5000, idle_hold => 0.5,
       s45 => '1-off,2-on');
$P{s45} = $o{s45} if $o{s45};
my %s45 = map { $_ => 1 } split /,/, $P{s45};
my $APP = $ENV{AUTHORS_PER_PAD} || 20;

# descriptors: nginx and padload can only raise their soft limit up to the
# hard one (no CAP_SYS_RESOURCE in some containers)
my $NOFILE = `sh -c 'ulimit -Hn'`; chomp $NOFILE;
$NOFILE = 1048576 if $NOFILE eq 'unlimited' || $NOFILE > 1048576;

my $LOGLEVEL = $ENV{BENCH_LOG_LEVEL} || 'warn';
my $json = Cpanel::JSON::XS->new->canonical->pretty;
my $tmp = "$ROOT/build/bench-pad.$$";
my @started;

# a free port below the ephemeral range (padload's many client sockets
# leave ports of that range in TIME_WAIT)
sub free_port {
    for (1 .. 200) {
        my $p = 20000 + int(rand(12000));
        my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                      LocalPort => $p) or next;
        close $s;
        return $p;
    }
    die "no free port\n";
}

sub wait_port {
    my ($port) = @_;
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
        return 1 if $s;
        sleep 0.05;
    }
    return 0;
}

sub slurp { my ($f) = @_; open my $h, '<', $f or return ''; local $/; <$h> }

sub start_servers {
    my ($workers, $batch) = @_;
    my $dir = "$tmp/w$workers-$batch";
    system('mkdir', '-p', "$dir/conf", "$dir/logs", "$dir/tmp",
           "$dir/redis") == 0 or die;
    # a private copy: a rebuild replaces build/ngx_pad_module.so in place,
    # which would crash workers that have it mapped
    system('cp', $MODULE, "$dir/ngx_pad_module.so") == 0 or die;
    my $rport = free_port();
    system('redis-server', '--bind', '127.0.0.1', '--port', $rport,
           '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
           '--dir', "$dir/redis", '--pidfile', "$dir/redis.pid",
           '--logfile', "$dir/logs/redis.log", '--maxclients', '10000') == 0
        or die "redis-server failed\n";
    wait_port($rport) or die "redis-server did not start\n";
    sleep 0.1 until -s "$dir/redis.pid";
    my $port = free_port();
    open my $c, '>', "$dir/conf/nginx.conf" or die;
    print $c <<"EOF";
load_module $dir/ngx_pad_module.so;
worker_processes $workers;
worker_rlimit_nofile $NOFILE;
pid nginx.pid;
error_log logs/error.log $LOGLEVEL;
events { worker_connections $NOFILE; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    pad_redis 127.0.0.1:$rport;
    pad_new_changes_batch $batch;
    server {
        listen 127.0.0.1:$port backlog=4096 reuseport;
        location /socket.io/ { pad_socketio; }
        location /p/ { pad_http; }
    }
}
EOF
    close $c;
    system($NGINX, '-p', $dir, '-c', 'conf/nginx.conf') == 0
        or die "nginx failed to start (see $dir/logs/error.log)\n";
    wait_port($port) or die "nginx did not listen\n";
    sleep 0.1 until -s "$dir/nginx.pid";
    my $s = { dir => $dir, port => $port, rport => $rport,
              nginx => 0 + slurp("$dir/nginx.pid"),
              redis => 0 + slurp("$dir/redis.pid") };
    push @started, $s;
    sleep 0.3;    # workers connect to Redis
    return $s;
}

sub stop_servers {
    my ($s) = @_;
    for my $p ([$s->{nginx}, 'QUIT'], [$s->{redis}, 'TERM']) {
        next unless $p->[0] && kill 0, $p->[0];
        kill $p->[1], $p->[0];
        for (1 .. 50) { last unless kill 0, $p->[0]; sleep 0.1 }
        kill 'KILL', $p->[0] if kill 0, $p->[0];
    }
    @started = grep { $_ != $s } @started;
}

END {
    local $?;    # keep the exit status
    stop_servers($_) for @started;
    system("rm", "-rf", $tmp) if $tmp && !$ENV{BENCH_KEEP};
}
$SIG{INT} = $SIG{TERM} = sub { exit 1 };

my $seq = 0;

sub padload {
    my ($s, %a) = @_;
    my @cmd = ($PADLOAD, '--port', $s->{port},
               '--pids', "$s->{nginx},$s->{redis}",
               '--prefix', sprintf('b%d-%d', $$, ++$seq));
    for my $k (sort keys %a) {
        my $v = $a{$k};
        push @cmd, "--$k";
        push @cmd, $v if defined $v;
    }
    my $out = `@cmd`;
    my $r = eval { decode_json($out) };
    if (!$r) {
        warn "padload failed: @cmd\n";
        return { failed => 1, errors => 1 };
    }
    return $r;
}

my @runs;

# the kernel's floor: CPU per small frame written on loopback TCP
my $floor = eval { decode_json(`$ROOT/build/tcpfloor 200 267 1 8`) } || {};
printf STDERR "loopback floor: %.2f us writer + %.2f us reader per 267-byte "
    . "write; %.2f + %.2f us per message with 8 per write\n",
    map { $_ // -1 } @$floor{qw(writer_us_per_msg reader_us_per_msg
                                writer_us_per_msg_batched
                                reader_us_per_msg_batched)};

my @workers = split /,/, $o{workers};
my @batch = split /,/, $o{batch};
my %only = map { $_ => 1 } split /,/, $o{only};
my $t_start = time;

for my $w (@workers) {
    for my $b (@batch) {
        my $s = start_servers($w, $b);
        my %common = (procs => $o{procs});
        my @sc;
        push @sc, ['s1', 'fan-out 1x1x200',
                   { pads => 1, writers => 1, readers => 200 }]
            if $only{s1};
        push @sc, ['s2', 'mixed 10x2x20',
                   { pads => 10, writers => 2, readers => 20 }]
            if $only{s2};
        push @sc, ['s3', 'hot pad 1x20x100',
                   { pads => 1, writers => 20, readers => 100 }]
            if $only{s3};

        my $s45 = $P{s45} eq 'all' || $s45{"$w-$b"};

        # idle first, on the fresh server: its RSS baseline must not
        # contain memory freed by earlier scenarios
        if ($only{s5} && $s45) {
            my $per = 20;
            my $n = $P{idle};
            # a worker holds at most NOFILE descriptors, and nginx starts
            # closing connections still waiting for their first request
            # once fewer than 1/16 of worker_connections are free
            my $cap = $w * int(($NOFILE - 300) * 15 / 16);
            $n = $cap if $n > $cap;
            my $pads = int($n / $per);
            my $r = padload($s, %common, pads => $pads, writers => 0,
                            readers => $per, duration => $P{idle_hold},
                            warmup => 0.2, inflight => 1000,
                            'join-max' => 300);
            push @runs, { scenario => 's5', name => "idle " . $pads * $per,
                          workers => $w, batch => $b, %$r };
            printf STDERR "s5  %-18s w%d batch %-3s %s\n", "idle", $w, $b,
                summary($runs[-1]);
        }

        for my $sc (@sc) {
            my ($id, $name, $a) = @$sc;
            my $r = padload($s, %common, %$a, duration => $P{dur},
                            warmup => $P{warm});
            push @runs, { scenario => $id, name => $name, workers => $w,
                          batch => $b, %$r };
            printf STDERR "%-3s %-18s w%d batch %-3s %s\n", $id, $name, $w,
                $b, summary($runs[-1]);
        }


        if ($only{s4} && $s45) {
            my ($last_ok, $first_bad);
            for my $authors (@{ $P{s4_steps} }) {
                my $pads = int(($authors + $APP - 1) / $APP);
                my $r = padload($s, %common, pads => $pads, writers => $APP,
                                readers => $APP, timed => undef, ins => 4,
                                duration => $P{s4_dur},
                                warmup => $P{s4_warm}, inflight => 512);
                my $p95 = $r->{fanout_lat_us}{p95} // -1;
                my $bad = $r->{failed} || $p95 < 0 || $p95 > 2e6
                          || $r->{errors} || $r->{mismatches};
                push @runs, { scenario => 's4',
                              name => "load-test $authors authors",
                              authors => $pads * $APP, workers => $w,
                              batch => $b, %$r };
                printf STDERR "s4  %-18s w%d batch %-3s %s\n",
                    "$authors authors", $w, $b, summary($runs[-1]);
                if ($bad) { $first_bad = $pads * $APP; last }
                $last_ok = $pads * $APP;
            }
            push @runs, { scenario => 's4', name => 'load-test result',
                          workers => $w, batch => $b, summary => 1,
                          authors_ok => $last_ok // 0,
                          authors_failed => $first_bad };
        }

        my $log = slurp("$s->{dir}/logs/error.log");
        my @alerts = grep { /\[(alert|crit|emerg)\]|signal \d+/ }
                     split /\n/, $log;
        if (@alerts) {
            warn "nginx logged:\n", join("\n", @alerts[0 .. ($#alerts < 4
                                                          ? $#alerts : 4)]),
                 "\n";
            $_->{server_alerts} = scalar @alerts
                for grep { $_->{workers} == $w && $_->{batch} eq $b } @runs;
        }
        stop_servers($s);
    }
}

sub summary {
    my ($r) = @_;
    return "FAILED" if $r->{failed};
    return sprintf "%7.0f commits/s %9.0f revs/s cpu %.2f us/rev "
        . "fan-out p50/p99 %.1f/%.1f ms rss %.0f B/conn "
        . "err %d gaps %d dups %d mismatch %d/%d",
        $r->{commits_per_s}, $r->{delivered_per_s},
        $r->{server_cpu_us_per_rev}, ($r->{fanout_lat_us}{p50} // 0) / 1e3,
        ($r->{fanout_lat_us}{p99} // 0) / 1e3, $r->{rss_bytes_per_conn},
        $r->{errors}, $r->{gaps}, $r->{dups}, $r->{mismatches},
        $r->{checked};
}

# machine

my $cpu = (slurp('/proc/cpuinfo') =~ /model name\s*:\s*(.*)/)[0] || '?';
my $ncpu = `nproc`; chomp $ncpu;
my $mem = (slurp('/proc/meminfo') =~ /MemTotal:\s*(\d+)/)[0] || 0;
my $kernel = `uname -r`; chomp $kernel;
my $ngv = `$NGINX -v 2>&1`; chomp $ngv; $ngv =~ s/^nginx version: //;
my $rv = `redis-server --version`; $rv = ($rv =~ /v=(\S+)/)[0] || '?';
my $commit = `git -C $ROOT rev-parse --short HEAD 2>/dev/null`; chomp $commit;
my $machine = { cpu => $cpu, cores => 0 + $ncpu,
                mem_gib => sprintf('%.1f', $mem / 1048576),
                kernel => $kernel, nginx => $ngv, redis => $rv,
                date => strftime('%Y-%m-%d %H:%M UTC', gmtime),
                commit => $commit, profile => $o{profile},
                loadgen_procs => $o{procs},
                seconds => sprintf('%.0f', time - $t_start) };

# targets

my %target = (
    s1 => ['server CPU per delivered revision <= 3 us',
           sub { $_[0]{server_cpu_us_per_rev} <= 3 }],
    s2 => ['fan-out p99 <= 5 ms',
           sub { ($_[0]{fanout_lat_us}{p99} // 1e9) <= 5000 }],
    s3 => ['>= 5,000 commits/s', sub { $_[0]{commits_per_s} >= 5000 }],
    s4 => ['>= 4,000 authors before p95 passes 2 s',
           sub { $_[0]{authors_ok} >= 4000 }],
    s5 => ['<= 16 KiB RSS per idle session',
           sub { $_[0]{rss_bytes_per_conn} <= 16384 }],
);
for my $r (@runs) {
    next if $r->{scenario} eq 's4' && !$r->{summary};
    my $t = $target{ $r->{scenario} } or next;
    $r->{target} = $t->[0];
    $r->{target_met} = ($r->{failed} ? 0 : $t->[1]->($r)) ? \1 : \0;
    $r->{clean} = (!$r->{failed} && !$r->{errors} && !$r->{gaps}
                   && !$r->{dups} && !$r->{mismatches}) ? \1 : \0
        unless $r->{summary};
}

system('mkdir', '-p', $o{out});
open my $jf, '>', "$o{out}/latest.json" or die;
print $jf $json->encode({ machine => $machine, tcp_floor => $floor,
                          runs => \@runs });
close $jf;

# Markdown

my $md = "Machine: $machine->{cpu}, $machine->{cores} cores, "
    . "$machine->{mem_gib} GiB, Linux $machine->{kernel}, nginx "
    . "$machine->{nginx}, Redis $machine->{redis}; load generator "
    . "build/padload in $o{procs} processes on the same machine; profile "
    . "$machine->{profile}; $machine->{date}; commit $machine->{commit}.\n\n"
    . sprintf("Kernel floor (build/tcpfloor, 200 loopback sockets): "
              . "%.2f µs of writer CPU and %.2f µs of reader CPU per "
              . "267-byte write; %.2f + %.2f µs per message when 8 share "
              . "a write.\n\n",
              map { $_ // -1 } @$floor{qw(writer_us_per_msg
                  reader_us_per_msg writer_us_per_msg_batched
                  reader_us_per_msg_batched)})
    . "| scenario | workers | batch | commits/s | revs/s delivered | "
    . "commit p50/p99 ms | fan-out p50/p95/p99/max ms | server µs/rev | "
    . "frames/rev | RSS B/conn | server CPU | CPU wait | loadgen CPU | "
    . "err/gaps/dups/mismatch |\n"
    . "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
my $ms = sub { defined $_[0] && $_[0] >= 0 ? sprintf('%.2f', $_[0] / 1e3)
                                           : '-' };
for my $r (@runs) {
    next if $r->{summary};
    if ($r->{failed}) {
        $md .= "| $r->{name} | $r->{workers} | $r->{batch} | FAILED |"
            . " | | | | | | | | | |\n";
        next;
    }
    my ($c, $f) = ($r->{commit_lat_us}, $r->{fanout_lat_us});
    $md .= sprintf "| %s | %d | %s | %.0f | %.0f | %s/%s | %s/%s/%s/%s | "
        . "%.2f | %.3f | %.0f | %.0f%% | %.0f%% | %.0f%% | "
        . "%d/%d/%d/%d of %d |\n",
        $r->{name}, $r->{workers}, $r->{batch}, $r->{commits_per_s},
        $r->{delivered_per_s}, $ms->($c->{p50}), $ms->($c->{p99}),
        $ms->($f->{p50}), $ms->($f->{p95}), $ms->($f->{p99}),
        $ms->($f->{max}), $r->{server_cpu_us_per_rev},
        $r->{frames_per_rev}, $r->{rss_bytes_per_conn},
        100 * $r->{server_cpu_util}, 100 * ($r->{server_runq_wait_util} // 0),
        100 * $r->{loadgen_cpu_util},
        $r->{errors}, $r->{gaps}, $r->{dups}, $r->{mismatches},
        $r->{checked};
}
$md .= "\nrevs/s delivered: revisions received by clients (NEW_CHANGES items, "
    . "batched or not); server µs/rev: CPU of the nginx workers plus "
    . "redis-server over the window divided by revisions delivered; "
    . "server CPU: their CPU use in cores (100% = one core); CPU wait: "
    . "time they were runnable but waited for a CPU (schedstat), a measure "
    . "of contention on the machine; loadgen CPU: padload's processes (from "
    . "/proc over the same window as the server's); RSS "
    . "B/conn: growth of the workers' RSS from before the clients connected "
    . "to the end of the window, per connection; the last column counts "
    . "errors, newRev gaps, duplicates and clients whose text differed from "
    . "export/txt, of the clients checked.\n";
$md .= "\n| target | workers | batch | measured | met |\n|---|---|---|---|---|\n";
for my $r (grep { defined $_->{target} } @runs) {
    my $m = $r->{scenario} eq 's1'
              ? sprintf('%.2f µs/rev', $r->{server_cpu_us_per_rev})
          : $r->{scenario} eq 's2'
              ? sprintf('p99 %s ms', $ms->($r->{fanout_lat_us}{p99}))
          : $r->{scenario} eq 's3'
              ? sprintf('%.0f commits/s', $r->{commits_per_s})
          : $r->{scenario} eq 's4'
              ? sprintf('%d authors ok%s', $r->{authors_ok},
                        defined $r->{authors_failed}
                        ? ", p95 > 2 s (or errors) at $r->{authors_failed}"
                        : ', no step failed')
          : sprintf('%.0f B/session', $r->{rss_bytes_per_conn});
    $m = 'FAILED' if $r->{failed};
    $md .= "| $r->{target} | $r->{workers} | $r->{batch} | $m | "
        . (${ $r->{target_met} } ? 'yes' : 'no') . " |\n";
}
open my $mf, '>', "$o{out}/latest.md" or die;
print $mf $md;
close $mf;
print $md;

my $bad = grep { !$_->{summary} && ($_->{failed} || $_->{errors}
                 || $_->{gaps} || $_->{dups} || $_->{mismatches}) } @runs;
exit($bad ? 1 : 0);
