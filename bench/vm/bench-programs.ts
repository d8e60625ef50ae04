import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The benchmark programs (programs/jit_bench.bpf.c) and their packets, shared by the VM and JIT benches.
const here = path.dirname(fileURLToPath(import.meta.url));

/** Compiles programs/jit_bench.bpf.c with clang (cpu v3) into a temporary object and returns its bytes. */
export function compileBenchObject(): Uint8Array {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'bpfleet-vm-bench-')), 'jit_bench.o');
  const multiarch = execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim() || 'x86_64-linux-gnu';
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-mcpu=v3', '-D__TARGET_ARCH_x86', '-idirafter', `/usr/include/${multiarch}`, '-c', path.join(here, 'programs/jit_bench.bpf.c'), '-o', out]);
  return readFileSync(out);
}

/** The packet each benchmark program runs on: 1500 bytes for fnv1a, a 64-byte UDP/IPv4 frame otherwise. */
export function benchPacketFor(program: string): Uint8Array {
  if (program === 'fnv1a') return new Uint8Array(1500).map((_, i) => (i * 131 + 17) & 0xff);
  const p = new Uint8Array(64);
  p.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00], 0);
  p.set([0x45, 0, 0, 50, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  p.set([0x30, 0x39, 0x00, 0x35, 0, 30, 0, 0], 34);
  return p;
}
