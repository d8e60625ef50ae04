import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { LibbpfLink } from './attach/libbpf-link.js';
import { KernelMap } from './map.js';
import { KernelProgram } from './program.js';
import { pinPath, removePinDir } from './pin.js';
import { probeKernel } from './probe/probe.js';
import { corpusObject, itIfKernel, kernelSkipReason, repoRoot } from './testing/fixtures.js';

const base = kernelSkipReason();
const skip = base ?? (probeKernel({ helpers: false }).bpffs.mounted ? undefined : 'bpffs is not mounted and cannot be mounted here');

function countFor(map: KernelMap, pid: number): bigint {
  let n = 0n;
  for (const { key, value } of map.iterate()) if (Buffer.from(key).readUInt32LE(0) === pid) n += Buffer.from(value).readBigUInt64LE(0);
  return n;
}

describe('pinning', () => {
  itIfKernel(skip)('should keep a pinned program attached after its process exits and re-adopt it', () => {
    corpusObject('kernel_openat');
    const dir = pinPath(`test-${process.pid}`);
    try {
      const out = execFileSync(
        process.execPath,
        ['--conditions=development', '--import', resolve(repoRoot, 'scripts/ts-register.mjs'), resolve(repoRoot, 'libs/bpf/kernel/src/testing/pin-child.ts'), dir, resolve(repoRoot, 'tests/bpf/build/kernel_openat.o')],
        { encoding: 'utf8' },
      );
      const child = JSON.parse(out) as { programId: number; pid: number };
      expect(existsSync(`${dir}/link`)).toBe(true);

      // The child is gone; its program still runs because the link is pinned.
      const map = KernelMap.openPinned(`${dir}/opens`);
      const program = KernelProgram.openPinned(`${dir}/prog`);
      const link = LibbpfLink.openPinned(`${dir}/link`);
      try {
        expect(program.info().id).toBe(child.programId);
        expect(program.name).toBe('count_openat');
        expect(map.name).toBe('opens');
        const before = countFor(map, process.pid);
        for (let i = 0; i < 10; i++) closeSync(openSync('/proc/self/stat', 'r'));
        expect(countFor(map, process.pid) - before).toBeGreaterThanOrEqual(10n);

        // Re-adopted: unpin and close detach it for good.
        link.unpin();
        link.close();
        const after = countFor(map, process.pid);
        for (let i = 0; i < 10; i++) closeSync(openSync('/proc/self/stat', 'r'));
        expect(countFor(map, process.pid)).toBe(after);
      } finally {
        link.close();
        program.close();
        map.close();
      }
    } finally {
      removePinDir(dir);
    }
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  it('should refuse pin path segments that escape the root', () => {
    expect(() => pinPath('..', 'x')).toThrow(/bad pin path segment/);
    expect(() => pinPath('a/b')).toThrow(/bad pin path segment/);
    expect(pinPath('agent', 'prog_1')).toBe('/sys/fs/bpf/bpfleet/agent/prog_1');
  });
});
