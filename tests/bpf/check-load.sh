#!/usr/bin/env bash
# Loads every object of tests/bpf/build into the running kernel through libbpf (load only, nothing is
# attached) and fails when a program is refused that tests/bpf/load-expectations.txt does not list as
# an environment refusal. Needs root (CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN) and `cc` with libbpf-dev.
#   bash tests/bpf/check-load.sh [--json]    (--json: print every verdict as a JSON line)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/tests/bpf/build.sh"
LOADER="$(bash "$ROOT/tools/record-verdicts/build-loader.sh")"
VERDICTS="$(mktemp)"
trap 'rm -f "$VERDICTS"' EXIT
for obj in "$ROOT"/tests/bpf/build/*.o; do "$LOADER" object "$obj"; done >"$VERDICTS"
[[ "${1:-}" == "--json" ]] && cat "$VERDICTS"
node "$ROOT/tests/bpf/check-load.mjs" "$VERDICTS" "$ROOT/tests/bpf/load-expectations.txt"
