import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadBpfObject } from '@bpfleet/elf';
import { dumpMaps, toHex } from './dump.js';
import { BpfVm } from './vm.js';
import { defaultEnv } from './env.js';

/**
 * Differential tests: each case ran in the kernel (BPF_PROG_TEST_RUN on this project's recording
 * machine, see tools/record-differential.mjs) and runs here in the VM; retval, data out, ctx out and
 * every map afterwards must be identical.
 */
interface Case {
  name: string;
  object: string;
  program: string;
  data?: string;
  ctx?: string;
  repeat?: number;
  tailCalls?: Record<string, Record<string, string>>;
}
interface KernelResult {
  retval: number;
  dataOut: string;
  ctxOut: string | null;
  maps: Record<string, Record<string, string>>;
  error?: string;
}

const repoRoot = path.resolve(import.meta.dirname, '../../../../..');
const dir = path.resolve(import.meta.dirname, '../testdata/differential');
const { cases } = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as { cases: Case[] };
const fixtures = JSON.parse(readFileSync(path.join(dir, 'kernel-results.json'), 'utf8')) as { cpus: number; results: Record<string, KernelResult> };
const built = existsSync(path.join(repoRoot, 'tests/bpf/build/vm_alu.o'));
if (!built) console.log('tests/bpf/build is missing (run bash tests/bpf/build.sh): skipping the differential tests');
const maybe = built ? describe : describe.skip;

const bytes = (hex?: string) => (hex === undefined ? undefined : new Uint8Array(Buffer.from(hex, 'hex')));

maybe('VM against the kernel (BPF_PROG_TEST_RUN fixtures)', () => {
  it('should have at least 40 recorded cases', () => {
    expect(Object.values(fixtures.results).filter((r) => !r.error).length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const expected = fixtures.results[c.name];
    expect(expected).toBeDefined();
    expect(expected.error).toBeUndefined();
    const file = path.join(repoRoot, 'tests/bpf/build', c.object);
    const object = loadBpfObject(readFileSync(file), { name: file });
    const vm = new BpfVm(object, { cpus: fixtures.cpus, env: defaultEnv() });
    for (const [mapName, slots] of Object.entries(c.tailCalls ?? {})) {
      for (const [index, programName] of Object.entries(slots)) vm.setTailCall(mapName, Number(index), programName);
    }
    const run = vm.testRun(c.program, { data: bytes(c.data), ctx: bytes(c.ctx), repeat: c.repeat ?? 1 });
    const maps = dumpMaps(vm.maps);
    const got = {
      retval: run.retval,
      dataOut: toHex(run.dataOut),
      ctxOut: c.ctx === undefined ? null : toHex(run.ctxOut ?? new Uint8Array(0)),
      maps: Object.fromEntries(Object.keys(expected.maps).map((name) => [name, maps[name]])),
    };
    expect(got).toEqual({ retval: expected.retval, dataOut: expected.dataOut, ctxOut: expected.ctxOut, maps: expected.maps });
  });
});
