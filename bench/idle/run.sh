#!/bin/sh
# Idle-session benchmark: opens BENCH_SESSIONS (default 10000) idle
# Socket.IO WebSocket sessions against nginx with the module (one worker)
# and reports the worker's RSS per session and the handshake rate.
#   BENCH_SESSIONS  number of sessions (default 10000)
#   BENCH_MODE      ws (direct WebSocket, default) or upgrade (polling
#                   handshake, then the probe upgrade)
#   BENCH_CONC      handshakes in flight (default 200)
#   BENCH_MODULE    module to load (default build/ngx_pad_module.so)
#   BENCH_PORT      port (default: a free one)
#   BENCH_KEEP      keep the run directory (logs) when set
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
n=${BENCH_SESSIONS:-10000}
mode=${BENCH_MODE:-ws}
conc=${BENCH_CONC:-200}
module=${BENCH_MODULE:-$root/build/ngx_pad_module.so}
nginx=${NGINX:-/usr/sbin/nginx}
port=${BENCH_PORT:-$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(Listen=>1,LocalAddr=>"127.0.0.1")->sockport')}

dir=$(mktemp -d /tmp/pad-bench-idle.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/conf" "$dir/logs" "$dir/tmp"

cat > "$dir/conf/nginx.conf" <<EOC
load_module $module;
daemon on;
master_process on;
worker_processes 1;
worker_rlimit_nofile $((n + n / 8 + 1000));
pid logs/nginx.pid;
error_log logs/error.log warn;
events { worker_connections $((n + n / 8 + 500)); }
http {
    access_log off;
    client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    server {
        listen 127.0.0.1:$port backlog=4096;
        location /socket.io/ { pad_socketio; }
    }
}
EOC

ulimit -n $((n + n / 8 + 2000)) 2>/dev/null || {
    echo "bench: cannot raise the open files limit to $((n + 2000))" >&2
    exit 1
}

"$nginx" -p "$dir" -c conf/nginx.conf
trap 'kill -QUIT $(cat "$dir/logs/nginx.pid") 2>/dev/null; sleep 1;
      [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"' EXIT
sleep 0.5

master=$(cat "$dir/logs/nginx.pid")
worker=$(pgrep -P "$master" | head -1)
rss() { awk '/^VmRSS/ { print $2 }' /proc/$worker/status; }

# the client: C (epoll) for direct WebSocket sessions, node for upgrades
if [ "$mode" = ws ]; then
    ${CC:-cc} -O2 -o "$dir/idle" "$root/bench/idle/idle.c"
    client_cmd() { "$dir/idle" "$port" "$1" "$conc"; }
else
    client_cmd() {
        NODE_PATH=$root/util/npm/socketio-client/node_modules \
            node "$root/bench/idle/idle.js" "$port" "$1" "$conc" "$mode"
    }
fi

# warm up: a few sessions, so that one-time allocations are not counted
sleep 1 | client_cmd 10 > /dev/null 2>&1 || true
sleep 0.5

before=$(rss)

fifo=$dir/ctl
mkfifo "$fifo"
client_cmd "$n" < "$fifo" > "$dir/client.out" 2>&1 &
client=$!
exec 3> "$fifo"

while ! grep -q '^ready' "$dir/client.out" 2>/dev/null; do
    if ! kill -0 $client 2>/dev/null; then
        cat "$dir/client.out" >&2
        exit 1
    fi
    sleep 0.2
done

sleep 2
after=$(rss)
result=$(sed -n 's/^ready //p' "$dir/client.out")
conns=$(ss -Htn state established "( sport = :$port )" | wc -l)

exec 3>&-
wait $client || true

echo "idle sessions: $result"
echo "established server-side connections: $conns"
echo "worker RSS: before ${before} KiB, after ${after} KiB"
awk -v b="$before" -v a="$after" -v n="$n" 'BEGIN {
    printf "worker RSS per idle session: %.2f KiB (target <= 16 KiB)\n",
           (a - b) / n }'
grep -E '\[(alert|crit|emerg)\]' "$dir/logs/error.log" >&2 || true
