#!/bin/sh
# Easysync oracle for the differential test (t/013-easysync-diff.t) and
# the benchmark: Etherpad's own Changeset.js and AttributePool.js from the
# npm package ep_etherpad-lite@1.8.14, fetched with "npm pack" into
# build/oracle/ only when missing, checked against a pinned sha256.

set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/build/oracle"
pkg=ep_etherpad-lite@1.8.14
tgz="$dir/ep_etherpad-lite-1.8.14.tgz"
sha=b380d8e25a5ef844522e6d62adbd433bcabcc9d12b88ca3c10d312e86c39aea9

if [ -f "$dir/package/static/js/Changeset.js" ] \
   && [ -f "$dir/package/static/js/AttributePool.js" ] \
   && [ -f "$dir/package/static/js/ace2_common.js" ]
then
    exit 0
fi

mkdir -p "$dir"

if [ ! -f "$tgz" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "deps: npm is missing, cannot fetch the Easysync oracle" >&2
        exit 1
    fi

    echo "deps: npm pack $pkg (Easysync oracle)"
    if ! (cd "$dir" && npm pack "$pkg" --silent >/dev/null 2>&1); then
        echo "deps: npm pack $pkg failed (no registry?)" >&2
        rm -f "$tgz"
        exit 1
    fi
fi

got=$(sha256sum "$tgz" | cut -d' ' -f1)

if [ "$got" != "$sha" ]; then
    echo "deps: $tgz: sha256 $got, expected $sha" >&2
    rm -f "$tgz"
    exit 1
fi

tar -xzf "$tgz" -C "$dir" package/static/js/Changeset.js \
    package/static/js/AttributePool.js package/node/easysync_tests.js \
    package/node/utils/padDiff.js package/node/utils/ExportHtml.js \
    package/node/utils/ExportHelper.js package/static/js/pad_utils.js \
    package/static/js/security.js package/static/js/ace2_common.js
