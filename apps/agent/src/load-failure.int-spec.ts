import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KernelLoadError, loadObject, probeKernel } from '@bpfleet/kernel';
import { libbpfCause } from './agent.js';

const example = join(import.meta.dirname, '../../../examples/build/broken_map_too_big.o');
const caps = probeKernel();
const why = !caps.canLoad ? 'this host cannot load BPF programs' : !existsSync(example) ? 'examples are not built (bash tests/bpf/build.sh)' : undefined;
if (why) console.warn(`load failure test skipped: ${why}`);

(why ? describe.skip : describe)('an object the kernel cannot create (real kernel)', () => {
  it('fails before any program with libbpf naming the map it could not create', () => {
    let error: unknown;
    try {
      loadObject(new Uint8Array(readFileSync(example)), { name: 'broken_map_too_big' }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelLoadError);
    const load = error as KernelLoadError;
    expect(load.program).toBe('');
    expect(libbpfCause(load.libbpfLog)).toMatch(/map 'history': failed to create/);
  });
});
