#!/bin/sh
# "make run" / "make stop": a private redis-server and nginx with the module,
# both on 127.0.0.1, configured from the environment:
#
#   PAD_PORT        nginx port                    (default 9001)
#   PAD_REDIS_PORT  redis port                    (default 6379)
#   PAD_WORKERS     nginx worker_processes        (default 2)
#   PAD_RUN_DIR     conf, logs, pid files         (default run/)
#   PAD_CONF_EXTRA  directives for the "http" block, any of the module's
#                   (for example 'pad_revisions_window 500;
#                   pad_ping_interval 10s;')
#   PAD_CONF_INCLUDE a file of such directives, included in "http"
#
# Both go to conf/extra.conf, which nginx.conf includes; "nginx -t" checks
# them first, and a bad value stops here with nginx's message naming the
# directive, before the running nginx is touched.
#
# A redis-server that already answers on PAD_REDIS_PORT is used as it is
# (so two "make run"s with different PAD_PORT/PAD_RUN_DIR share one Redis);
# otherwise a private one is started and "make stop" stops it again.

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
port=${PAD_PORT:-9001}
rport=${PAD_REDIS_PORT:-6379}
workers=${PAD_WORKERS:-2}
dir=${PAD_RUN_DIR:-$root/run}
nginx=${NGINX:-/usr/sbin/nginx}

case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac

redis_alive() {
    redis-cli -h 127.0.0.1 -p "$rport" ping 2>/dev/null | grep -q PONG
}

stop_pidfile() {
    # stop_pidfile FILE NAME SIGNAL
    [ -f "$1" ] || return 0
    pid=$(cat "$1")
    if kill -0 "$pid" 2>/dev/null; then
        kill -"$3" "$pid"
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1; i=$((i + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        echo "stopped $2 (pid $pid)"
    fi
    rm -f "$1"
}

write_extra() {
    echo "# PAD_CONF_EXTRA and PAD_CONF_INCLUDE of \"make run\""
    if [ -n "${PAD_CONF_INCLUDE:-}" ]; then
        case "$PAD_CONF_INCLUDE" in
        /*) inc=$PAD_CONF_INCLUDE ;;
        *)  inc=$(pwd)/$PAD_CONF_INCLUDE ;;
        esac
        if [ ! -r "$inc" ]; then
            echo "PAD_CONF_INCLUDE: cannot read $inc" >&2
            exit 1
        fi
        echo "include $inc;"
    fi
    if [ -n "${PAD_CONF_EXTRA:-}" ]; then
        printf '%s\n' "$PAD_CONF_EXTRA"
    fi
}

start() {
    mkdir -p "$dir/conf" "$dir/logs" "$dir/tmp" "$dir/redis"
    chmod 755 "$dir" "$dir/tmp"

    if redis_alive; then
        echo "redis: using the redis-server already answering on" \
             "127.0.0.1:$rport"
    else
        redis-server --bind 127.0.0.1 --port "$rport" --save '' \
            --appendonly no --daemonize yes --dir "$dir/redis" \
            --pidfile "$dir/redis.pid" --logfile "$dir/logs/redis.log"
        i=0
        until redis_alive; do
            i=$((i + 1))
            if [ $i -gt 50 ]; then
                echo "redis-server did not start; see $dir/logs/redis.log" >&2
                exit 1
            fi
            sleep 0.1
        done
        echo "redis: started redis-server on 127.0.0.1:$rport" \
             "(pid $(cat "$dir/redis.pid"))"
    fi

    if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null
    then
        echo "nginx already runs from $dir (pid $(cat "$dir/nginx.pid"));" \
             "reloading its configuration"
    fi

    write_extra > "$dir/conf/extra.conf"

    sed -e "s|@ROOT@|$root|g" -e "s|@PORT@|$port|g" \
        -e "s|@REDIS_PORT@|$rport|g" -e "s|@WORKERS@|$workers|g" \
        -e "s|@DIR@|$dir|g" \
        "$root/util/nginx.conf.in" > "$dir/conf/nginx.conf"

    if ! "$nginx" -p "$dir" -c conf/nginx.conf -t -q; then
        echo "nginx -t refused the configuration ($dir/conf/nginx.conf," \
             "extra directives in $dir/conf/extra.conf)" >&2
        exit 1
    fi
    if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null
    then
        master=$(cat "$dir/nginx.pid")
        old=$(pgrep -P "$master" | tr '\n' ' ')
        kill -HUP "$master"
        # the demo below talks to the new workers only
        i=0
        while [ $i -lt 100 ]; do
            left=
            for pid in $old; do
                kill -0 "$pid" 2>/dev/null && left=1
            done
            [ -z "$left" ] && break
            sleep 0.1; i=$((i + 1))
        done
    else
        "$nginx" -p "$dir" -c conf/nginx.conf
    fi
    echo "nginx: serving on http://127.0.0.1:$port/" \
         "($workers workers, config $dir/conf/nginx.conf)"

    perl "$root/util/demo.pl" "$port"

    echo
    echo "logs: $dir/logs/error.log   stop with: make stop" \
         "(PAD_RUN_DIR=$dir)"
}

stop() {
    stop_pidfile "$dir/nginx.pid" nginx QUIT
    stop_pidfile "$dir/redis.pid" redis-server TERM
}

case "${1:-start}" in
start) start ;;
stop)  stop ;;
*)     echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
