#!/usr/bin/env bash
# Compiles bpfload.c against the system libbpf (once, when the source changed) and prints its path.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$DIR/build/bpfload"
mkdir -p "$DIR/build"
if [[ ! -x "$OUT" || "$DIR/bpfload.c" -nt "$OUT" ]]; then
  cc -O2 -Wall -Wextra -o "$OUT" "$DIR/bpfload.c" -lbpf
fi
echo "$OUT"
