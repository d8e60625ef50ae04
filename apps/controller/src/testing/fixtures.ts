import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A compiled corpus object (tests/bpf/build/NAME.o), compiled on the spot when the corpus is not built. */
export function corpusObject(name: string): Uint8Array {
  const built = join(repoRoot, 'tests/bpf/build', `${name}.o`);
  if (existsSync(built)) return new Uint8Array(readFileSync(built));
  const out = join(mkdtempSync(join(tmpdir(), 'bpfleet-fixture-')), `${name}.o`);
  execFileSync(process.env['CLANG'] ?? 'clang', ['-O2', '-g', '-target', 'bpf', '-I', join(repoRoot, 'tests/bpf/include'), '-c', join(repoRoot, 'tests/bpf', `${name}.bpf.c`), '-o', out]);
  return new Uint8Array(readFileSync(out));
}

/**
 * The same object with the last instruction of its first program section replaced by `r0 = 0`, so the
 * program runs off its end: every verifier must reject it.
 */
export function withoutFinalExit(elf: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(elf);
  const view = new DataView(copy.buffer);
  const shoff = Number(view.getBigUint64(40, true));
  const shnum = view.getUint16(60, true);
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * 64;
    const flags = Number(view.getBigUint64(h + 8, true));
    const size = Number(view.getBigUint64(h + 32, true));
    if (view.getUint32(h + 4, true) === 1 && flags & 0x4 && size >= 8) {
      const last = Number(view.getBigUint64(h + 24, true)) + size - 8;
      copy.set([0xb7, 0, 0, 0, 0, 0, 0, 0], last);
      return copy;
    }
  }
  throw new Error('no executable section');
}
