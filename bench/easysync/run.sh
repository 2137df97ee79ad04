#!/bin/sh
# Easysync benchmark: the C engine against Etherpad's Changeset.js
# (ep_etherpad-lite@1.8.14) on the same corpus (gen.js): follow, compose
# and applyToAText on pads of 1 KB, 100 KB and 1 MB.  Operations per
# second of CPU time; prints a Markdown table.
#
#   sh bench/easysync/run.sh OUTDIR BENCH_BINARY [SECONDS]

set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$1
bin=$2
secs=${3:-1}

mkdir -p "$out"

if [ ! -f "$out/pad-1MB.json" ]; then
    node "$here/gen.js" "$out"
fi

"$bin" "$out" "$secs" > "$out/c.txt"
node "$here/bench.js" "$out" "$secs" > "$out/js.txt"

awk 'NR == FNR { js[$1 " " $2] = $3; next }
     { k = $1 " " $2;
       printf "| %s | %s | %d | %d | %.1fx |\n", $1, $2, js[k], $3,
              js[k] ? $3 / js[k] : 0 }' \
    "$out/js.txt" "$out/c.txt" > "$out/rows.txt"


{
    echo "| pad | operation | Etherpad JS ops/s | C ops/s | C / JS |"
    echo "|---|---|---:|---:|---:|"
    cat "$out/rows.txt"
} | tee "$out/results.md"
