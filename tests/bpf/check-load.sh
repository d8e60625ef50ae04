#!/usr/bin/env bash
# Loads every object of tests/bpf/build into the running kernel through libbpf (load only, nothing is
# attached) and fails when a program is refused that tests/bpf/load-expectations.txt does not list as
# an environment refusal. Needs root (CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN) and `cc` with libbpf-dev.
#   bash tests/bpf/check-load.sh [--json]    (--json: print every verdict as a JSON line)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/tests/bpf/build.sh"
LOADER="$(bash "$ROOT/tools/record-verdicts/build-loader.sh")"
EXPECT="$ROOT/tests/bpf/load-expectations.txt"

expected_refusal() { # $1 object basename without variant, $2 program
  awk -v o="$1" -v p="$2" '!/^#/ && $1 == o && ($2 == p || $2 == "*") { found = 1 } END { exit !found }' "$EXPECT"
}

loaded=0 refused_ok=0 failures=0
for obj in "$ROOT"/tests/bpf/build/*.o; do
  base="$(basename "$obj" .o)"; base="${base%.v3}"; base="${base%.v4}"
  while IFS= read -r line; do
    [[ "${1:-}" == "--json" ]] && echo "$line"
    verdict="$(node -e 'const d = JSON.parse(process.argv[1]); console.log([d.program || "*", d.accepted, d.errno, (d.kernelMessage || d.libbpfLog.trim().split("\n").pop() || "").slice(0, 160)].join("\t"))' "$line")"
    IFS=$'\t' read -r prog accepted errno message <<<"$verdict"
    if [[ "$accepted" == "true" ]]; then loaded=$((loaded + 1));
    elif expected_refusal "$base" "$prog"; then refused_ok=$((refused_ok + 1));
    else failures=$((failures + 1)); echo "REFUSED $(basename "$obj") $prog errno=$errno: $message" >&2; fi
  done < <("$LOADER" object "$obj")
done
echo "loaded $loaded programs, $refused_ok refused for listed environment reasons, $failures unexpected refusals"
[[ $failures -eq 0 ]]
