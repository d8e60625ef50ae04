import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadObject, probeKernel } from '@bpfleet/kernel';
import { main } from '../main.js';
import type { CliIo } from '../io.js';

function skipReason(): string | undefined {
  try {
    const caps = probeKernel({ helpers: false });
    if (!caps.libbpf.available) return `libbpf unavailable: ${caps.libbpf.error}`;
    if (!caps.canLoad) return 'this process cannot load BPF programs (needs root or CAP_BPF)';
    return undefined;
  } catch (e) {
    return `kernel probe failed: ${(e as Error).message}`;
  }
}

const reason = skipReason();
if (reason) console.log(`asm kernel test skipped: ${reason}`);

const quiet: CliIo = { out: () => undefined, err: () => undefined };

describe('bpfleet asm -o (kernel)', () => {
  (reason ? it.skip : it)('writes an object the kernel loads and runs: sum of 1..10 in both syntaxes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-asm-kernel-'));
    try {
      const src = path.join(dir, 'sum.s');
      writeFileSync(src, ['mov %r0, 0', 'r1 = 10', 'loop:', 'add %r0, %r1', 'r1 -= 1', 'if r1 != 0 goto loop', 'exit'].join('\n'));
      const out = path.join(dir, 'sum.o');
      expect(await main(['node', 'bpfleet', 'asm', src, '-o', out, '--section', 'xdp'], quiet)).toBe(0);
      const obj = loadObject(new Uint8Array(readFileSync(out)), { name: 'sum' });
      try {
        expect(obj.program('sum').testRun({ data: new Uint8Array(64) }).retval).toBe(55);
      } finally {
        obj.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  (reason ? it.skip : it)('writes bpf-to-bpf calls the way libbpf wants them (subprograms in .text, relocated calls)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-asm-kernel-'));
    try {
      const src = path.join(dir, 'calls.s');
      writeFileSync(src, ['r1 = 20', 'call double', 'r0 += 2', 'exit', 'double:', 'r0 = r1', 'r0 += r1', 'exit'].join('\n'));
      const out = path.join(dir, 'calls.o');
      expect(await main(['node', 'bpfleet', 'asm', src, '-o', out, '--section', 'xdp'], quiet)).toBe(0);
      const obj = loadObject(new Uint8Array(readFileSync(out)), { name: 'calls' });
      try {
        expect(obj.program('calls').testRun({ data: new Uint8Array(64) }).retval).toBe(42);
      } finally {
        obj.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
