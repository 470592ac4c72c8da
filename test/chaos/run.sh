#!/usr/bin/env bash
# `npm run test:chaos`: the fuzz targets at FUZZ_RUNS inputs each (default 100,000), then the chaos
# project (kill -9, outages, fault proxy, store faults, netsplit, soak) against a real Synapse and
# ngIRCd, then the results table. Extra arguments go to the chaos jest run (e.g. a file name).
#
# Knobs (environment): FUZZ_RUNS, CHAOS_BURST (2000), CHAOS_PROXY_MESSAGES (300),
# CHAOS_FAULT_RATE (0.3), CHAOS_OUTAGE_SECONDS (30), CHAOS_NETSPLIT_USERS (500), CHAOS_NETSPLIT_SPEAKERS (100),
# CHAOS_NETSPLIT_SECONDS (20),
# CHAOS_STORE_FAULT_SECONDS (20), CHAOS_SOAK_MINUTES (30), CHAOS_SOAK_RATE (1/s), CHAOS_SEED.
set -u
cd "$(dirname "$0")/../.."
started=$(date +%s)
bash test/e2e/setup || exit 1
npm run build || exit 1
mkdir -p .e2e
export CHAOS_RESULTS="$PWD/.e2e/chaos-results.jsonl"
rm -f "$CHAOS_RESULTS"

echo "== fuzzing: ${FUZZ_RUNS:=100000} inputs per target"
fuzz_started=$(date +%s)
FUZZ_RUNS=$FUZZ_RUNS npx jest --selectProjects unit --testPathPatterns '\.fuzz\.test\.ts$'
fuzz_status=$?
fuzz_seconds=$(( $(date +%s) - fuzz_started ))

echo "== chaos scenarios"
npx jest --selectProjects chaos --runInBand "$@"
chaos_status=$?

node test/chaos/table.js "$CHAOS_RESULTS"
total=$(( $(date +%s) - started ))
echo "fuzzing took $((fuzz_seconds / 60)) min $((fuzz_seconds % 60)) s (exit $fuzz_status); the whole chaos run took $((total / 60)) min $((total % 60)) s (chaos exit $chaos_status)"
[ "$fuzz_status" -eq 0 ] && [ "$chaos_status" -eq 0 ]
