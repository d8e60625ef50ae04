#!/usr/bin/env bash
# `npm test`: bootstrap what the tests need (packages, services, the compiled BPF corpus), then run
# every unit and integration spec once. Extra arguments go to Jest (e.g. `npm test -- libs/bpf/isa`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bootstrap_all
cd "$ROOT"
# The end-to-end and CLI specs start the built controller and agents: build once, before any spec runs
# (incremental, so cheap when nothing changed).
npm run build --silent
export DATABASE_URL="${DATABASE_URL:-postgres://bpfleet:bpfleet@127.0.0.1:5432/bpfleet}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
mkdir -p "$DATA_DIR"
results="$DATA_DIR/jest-results.json"
rm -f "$results"
status=0
node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  --json --outputFile="$results" "$@" || status=$?
# One plain closing line, whatever the runner printed above it.
if [[ -f "$results" ]]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  ' "$results"
fi
exit "$status"
