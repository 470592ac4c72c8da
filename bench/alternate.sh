#!/bin/bash
# Side-by-side runs on a shared machine: base, new, base, new… one run each, so both builds see
# the same load. Usage: bench/alternate.sh <base checkout> <scenario> <pairs> [bench options]
# The base checkout must be built and hold this checkout's bench/dist (cp -a bench/dist), so that
# only the bridge differs. Results: $BENCH_ALTERNATE_OUT (default /tmp/bench-alternate)/<scenario>-<base|new>-<i>/.
set -euo pipefail
base=$1; scenario=$2; pairs=$3; shift 3
new=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_ALTERNATE_OUT:-/tmp/bench-alternate}
mkdir -p "$out"
for i in $(seq 1 "$pairs"); do
  for which in base new; do
    dir=$base; [ "$which" = new ] && dir=$new
    (cd "$dir" && node bench/dist/main.js --only "$scenario" --runs 1 --out "$out/$scenario-$which-$i" --label "$which" "$@" > "$out/$scenario-$which-$i.log" 2>&1)
    echo "$which $i load $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
