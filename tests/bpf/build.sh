#!/usr/bin/env bash
# Compiles the test corpus (tests/bpf/*.bpf.c) and the examples (examples/*.bpf.c) with clang into
# tests/bpf/build/ and examples/build/. Only sources newer than their object are rebuilt.
#   NAME.o     clang -O2 -g -target bpf (default cpu)
#   NAME.v3.o  -mcpu=v3
#   NAME.v4.o  -mcpu=v4, when a clang that knows it (clang-17 or newer) is installed
# The verifier corpus (tests/verifier-corpus) is built into tests/verifier-corpus/build/: NAME.bpf.c ->
# NAME.o (default cpu only), NAME.s (raw instructions in LLVM asm syntax) -> NAME.o and NAME.bin (the
# bare instruction bytes of .text, what bpf_prog_load receives). A `# mcpu: v4` header line in a .s
# file assembles it for that cpu.
# Each compile defines CORPUS_CPU (1, 3 or 4) because clang 14 does not define __BPF_CPU_VERSION__.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLANG="${CLANG:-clang}"
CLANG_V4=""
for c in clang-21 clang-20 clang-19 clang-18 clang-17; do
  if command -v "$c" >/dev/null; then CLANG_V4="$c"; break; fi
done
ARCH_DEFINE="-D__TARGET_ARCH_x86"
MULTIARCH_INC="/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
CFLAGS=(-O2 -g -target bpf "$ARCH_DEFINE" -I "$ROOT/tests/bpf/include" -idirafter "$MULTIARCH_INC" -Wall -Wno-unused-value -Wno-pointer-sign -Wno-compare-distinct-pointer-types)

build_dir() {
  local src_dir=$1 out_dir=$2
  mkdir -p "$out_dir"
  shopt -s nullglob
  local src name
  for src in "$src_dir"/*.bpf.c; do
    name=$(basename "$src" .bpf.c)
    # A source may opt out of a variant with a comment: `// corpus: no-v3` or `// corpus: no-v4`.
    compile "$CLANG" "$src" "$out_dir/$name.o" "-DCORPUS_CPU=1"
    grep -q 'corpus: no-v3' "$src" || compile "$CLANG" "$src" "$out_dir/$name.v3.o" "-mcpu=v3 -DCORPUS_CPU=3"
    if [[ -n "$CLANG_V4" ]] && ! grep -q 'corpus: no-v4' "$src"; then
      compile "$CLANG_V4" "$src" "$out_dir/$name.v4.o" "-mcpu=v4 -DCORPUS_CPU=4"
    fi
  done
}

compile() {
  local cc=$1 src=$2 out=$3 cpu=$4
  if [[ -f "$out" && "$out" -nt "$src" && "$out" -nt "$ROOT/tests/bpf/build.sh" ]]; then return 0; fi
  # Write to a private temporary name and rename: concurrent builds never see a half-written object.
  # shellcheck disable=SC2086
  "$cc" "${CFLAGS[@]}" $cpu -c "$src" -o "$out.tmp.$$"
  mv -f "$out.tmp.$$" "$out"
}

build_verifier_corpus() {
  local src_dir=$1 out_dir=$2 src name mcpu
  local mc objcopy
  mc="$(command -v llvm-mc-19 || command -v llvm-mc || true)"
  objcopy="$(command -v llvm-objcopy-19 || command -v llvm-objcopy || true)"
  mkdir -p "$out_dir"
  shopt -s nullglob
  for src in "$src_dir"/*.bpf.c; do
    compile "$CLANG" "$src" "$out_dir/$(basename "$src" .bpf.c).o" "-DCORPUS_CPU=1"
  done
  if [[ -z "$mc" || -z "$objcopy" ]]; then
    echo "build.sh: llvm-mc / llvm-objcopy not found (package llvm): skipping the raw programs of $src_dir" >&2
    return 0
  fi
  for src in "$src_dir"/*.s; do
    name=$(basename "$src" .s)
    if [[ -f "$out_dir/$name.bin" && "$out_dir/$name.bin" -nt "$src" && "$out_dir/$name.bin" -nt "$ROOT/tests/bpf/build.sh" ]]; then continue; fi
    mcpu=$(sed -n 's/^# mcpu: *\(v[0-9]\).*/\1/p' "$src" | head -1)
    "$mc" -triple bpfel ${mcpu:+-mcpu=$mcpu} -filetype=obj "$src" -o "$out_dir/$name.o.tmp.$$"
    "$objcopy" -O binary --only-section=.text "$out_dir/$name.o.tmp.$$" "$out_dir/$name.bin.tmp.$$"
    mv -f "$out_dir/$name.o.tmp.$$" "$out_dir/$name.o"
    mv -f "$out_dir/$name.bin.tmp.$$" "$out_dir/$name.bin"
  done
}

build_dir "$ROOT/tests/bpf" "$ROOT/tests/bpf/build"
if [[ -d "$ROOT/tests/verifier-corpus" ]]; then build_verifier_corpus "$ROOT/tests/verifier-corpus" "$ROOT/tests/verifier-corpus/build"; fi
if [[ -d "$ROOT/examples" ]]; then build_dir "$ROOT/examples" "$ROOT/examples/build"; fi
