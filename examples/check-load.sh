#!/usr/bin/env bash
# Loads every compiled example (examples/build, all cpu variants) into the running kernel through libbpf
# (load only, nothing attached) and checks the verdicts: every program loads, except those of the
# deliberately broken examples (broken_*.bpf.c), which the kernel must refuse. Needs root / CAP_BPF.
#   bash examples/check-load.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tests/bpf/build.sh"
LOADER="$(bash "$ROOT/tools/record-verdicts/build-loader.sh")"
status=0
for obj in "$ROOT"/examples/build/*.o; do
  while IFS= read -r verdict; do
    line=$(node -e '
      const v = JSON.parse(process.argv[1]);
      const broken = /\/broken_[^/]*$/.test(v.file);
      const ok = broken ? !v.accepted : v.accepted;
      // No verifier message when the load failed before verification (a map libbpf could not create).
      const mapError = (v.libbpfLog || "").split("\n").find((l) => /failed to create/.test(l));
      const what = v.accepted ? "loaded" : "refused: " + (v.kernelMessage || (mapError ? mapError.replace(/^libbpf: /, "") : "errno " + v.errno));
      console.log((ok ? "ok   " : "FAIL ") + v.file.replace(/.*\//, "") + " " + v.program + " " + what + (broken ? " (expected refusal)" : ""));
      process.exit(ok ? 0 : 1);' "$verdict") || status=1
    echo "$line"
  done < <("$LOADER" object "$obj")
done
exit $status
