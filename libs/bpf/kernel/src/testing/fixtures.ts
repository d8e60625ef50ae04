import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeKernel } from '../probe/probe.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** ELF bytes of tests/bpf/build/NAME.o, building the corpus once when missing. */
export function corpusObject(name: string): Uint8Array {
  const path = resolve(repoRoot, 'tests/bpf/build', `${name}.o`);
  if (!existsSync(path)) execFileSync('bash', [resolve(repoRoot, 'tests/bpf/build.sh')], { stdio: 'inherit' });
  return new Uint8Array(readFileSync(path));
}

/** Why kernel tests cannot run here (printed by the skip), or undefined when they can. */
export function kernelSkipReason(): string | undefined {
  try {
    const caps = probeKernel({ helpers: false });
    if (!caps.libbpf.available) return `libbpf unavailable: ${caps.libbpf.error}`;
    if (!caps.canLoad) return 'this process cannot load BPF programs (needs root or CAP_BPF)';
    return undefined;
  } catch (e) {
    return `kernel probe failed: ${(e as Error).message}`;
  }
}

/** `it` when the kernel allows the feature, else an `it.skip` that prints why. */
export function itIfKernel(reason: string | undefined): jest.It {
  if (reason) {
    console.log(`skipping kernel test: ${reason}`);
    return it.skip;
  }
  return it;
}
