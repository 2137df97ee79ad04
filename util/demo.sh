#!/bin/sh
# Show that the nginx started by "make run" serves Etherpad's transport:
# an Engine.IO v4 polling handshake, a Socket.IO CONNECT and its answer.

set -eu

port=$1
base="http://127.0.0.1:$port/socket.io/?EIO=4&transport=polling&padId=demo"

i=0
until open=$(curl -fsS "$base" 2>/dev/null); do
    i=$((i + 1))
    if [ $i -gt 30 ]; then
        echo "demo: no answer from 127.0.0.1:$port" >&2
        exit 1
    fi
    sleep 0.1
done

sid=$(printf '%s' "$open" | sed -n 's/.*"sid":"\([^"]*\)".*/\1/p')

echo
echo "demo: GET  /socket.io/?EIO=4&transport=polling&padId=demo"
echo "      <- $open"
ok=$(curl -fsS -H 'Content-Type: text/plain;charset=UTF-8' \
     --data-binary '40' "$base&sid=$sid")
echo "demo: POST 40 (Socket.IO CONNECT)  <- $ok"
echo "demo: GET  (poll)                  <- $(curl -fsS "$base&sid=$sid")"
