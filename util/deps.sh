#!/bin/sh
# Install the Debian packages listed in util/deb-packages.txt that are
# missing, and the pinned npm packages of the test suite.  Idempotent: a
# machine that has everything runs no package manager.

set -eu

here=$(cd "$(dirname "$0")" && pwd)

missing=
for p in $(grep -v '^#' "$here/deb-packages.txt"); do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
         | grep -q 'install ok installed'
    then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "deps: missing Debian packages:$missing" >&2
        echo "deps: run 'make deps' as root (or sudo apt-get install$missing)" >&2
        exit 1
    fi
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    # the packages' services (redis-server, nginx, prometheus) are not
    # started: the suite and "make run" start their own on 127.0.0.1
    policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    [ -z "$policy" ] || rm -f "$policy"
fi

# Node.js runs the real clients (socket.io-client, etherpad-cli-client) and
# the Easysync oracle.  Use the machine's node when it has one.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        echo "deps: node and npm are missing; run 'make deps' as root" >&2
        exit 1
    fi
    echo "deps: installing nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# npm packages pinned by a lockfile (test clients, Easysync oracle).
for dir in "$here"/npm/*/; do
    [ -f "$dir/package-lock.json" ] || continue
    if [ ! -d "$dir/node_modules" ] \
       || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]
    then
        if ! command -v npm >/dev/null 2>&1; then
            echo "deps: npm is missing (install nodejs)" >&2
            exit 1
        fi
        echo "deps: npm ci in $dir"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
done

# Per-part hooks (for example fetching a pinned npm tarball and checking
# its sha256): util/deps.d/*.sh, run in name order.
for hook in "$here"/deps.d/*.sh; do
    [ -f "$hook" ] || continue
    sh "$hook"
done
