import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadBpfObject } from '@bpfleet/elf';
import { dumpMaps, toHex } from '../runner/dump.js';
import { defaultEnv } from '../runner/env.js';
import { BpfVm } from '../runner/vm.js';
import { jitEngine } from '../runner/engine.js';

/**
 * The VM's kernel differential cases (testdata/differential: results recorded from BPF_PROG_TEST_RUN)
 * run through the JIT: retval, data out, ctx out and every map must match the kernel's. The JIT
 * gets the VM's maps, so map lookups take its fast path; a fallback to the interpreter fails the case.
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
if (!built) console.log('tests/bpf/build is missing (run bash tests/bpf/build.sh): skipping the JIT differential tests');
const maybe = built ? describe : describe.skip;
const bytes = (hex?: string) => (hex === undefined ? undefined : new Uint8Array(Buffer.from(hex, 'hex')));

maybe('JIT against the kernel (BPF_PROG_TEST_RUN fixtures)', () => {
  it.each(cases.filter((c) => !fixtures.results[c.name]?.error).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const expected = fixtures.results[c.name];
    const file = path.join(repoRoot, 'tests/bpf/build', c.object);
    const object = loadBpfObject(readFileSync(file), { name: file });
    const vm = new BpfVm(object, {
      cpus: fixtures.cpus,
      env: defaultEnv(),
      engine: jitEngine({
        onFallback: (p, reason) => {
          throw new Error(`JIT refused ${p.name}: ${reason}`);
        },
      }),
    });
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
