import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadBpfObject, type BpfObject } from '@bpfleet/elf';
import fc from 'fast-check';
import { jitEngine, type EngineFactory } from './engine.js';
import { dumpMaps } from './dump.js';
import { BpfVm } from './vm.js';

/**
 * Prepared runs (`BpfVm.prepare`) against the reference: the same inputs, one by one, through
 * `prepare(name).run(bytes)` on one VM and `testRun(name, ...)` (the interpreter) on another must
 * give the same retvals, faults and maps after every run, with test runs of other programs
 * interleaved on the prepared VM (they use the same context and packet regions).
 */
const build = path.resolve(import.meta.dirname, '../../../../../tests/bpf/build');
const objects = ['vm_net.o', 'vm_maps.o', 'vm_tracing.o', 'minimal.o'].filter((f) => existsSync(path.join(build, f)));

interface Outcome {
  readonly retval?: number;
  readonly dataOut?: string;
  readonly error?: string;
}

function outcome(fn: () => { retval: number; dataOut: Uint8Array }): Outcome {
  try {
    const { retval, dataOut } = fn();
    return { retval, dataOut: Buffer.from(dataOut).toString('hex') };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { error: `${e.code ?? 'unknown'}: ${e.message ?? String(error)}` };
  }
}

const packetArb = fc.oneof(
  // IPv4/UDP or TCP frames with random addresses and ports, sometimes truncated.
  fc.tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.constantFrom(6, 17, 1), fc.uint8Array({ minLength: 0, maxLength: 60 }), fc.integer({ min: 14, max: 120 })).map(([ip, proto, rest, cut]) => {
    const p = new Uint8Array(14 + 20 + rest.length);
    p.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00], 0);
    p.set(ip, 14);
    p[14] = 0x45;
    p[14 + 9] = proto;
    p.set(rest, 34);
    return p.subarray(0, Math.min(p.length, cut));
  }),
  fc.uint8Array({ minLength: 0, maxLength: 200 }),
);

describe('BpfVm.prepare against testRun', () => {
  if (objects.length === 0) {
    it.skip('needs the compiled corpus (bash tests/bpf/build.sh)', () => undefined);
    return;
  }
  const loaded: BpfObject[] = objects.map((f) => loadBpfObject(readFileSync(path.join(build, f)), { name: f.replace(/\.o$/, '') }));

  for (const [engineName, engine] of [['interpreter', undefined], ['jit', jitEngine({ onFallback: () => undefined })]] as [string, EngineFactory | undefined][]) {
    it(`should give the test run's retvals, faults and maps run after run (${engineName})`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: loaded.length - 1 }),
          fc.nat(),
          fc.array(fc.tuple(packetArb, fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.nat(9)), { minLength: 1, maxLength: 12 }),
          (objectIndex, programPick, events) => {
            const object = loaded[objectIndex];
            const programs = object.programs.filter((p) => p.section.startsWith('xdp') || p.section.startsWith('raw_tp') || p.section.startsWith('tc') || p.section.startsWith('socket'));
            if (programs.length === 0) return;
            const spec = programs[programPick % programs.length];
            const other = programs[(programPick + 1) % programs.length];
            const isPacket = !spec.section.startsWith('raw_tp');
            const prepared = new BpfVm(object, { engine, budget: 200_000 });
            const reference = new BpfVm(object, { budget: 200_000 });
            let runner;
            try {
              runner = prepared.prepare(spec.name);
            } catch (error) {
              expect(() => reference.program(spec.name)).toThrow((error as Error).message);
              return;
            }
            for (const [packet, ctx, interleave] of events) {
              const input = isPacket ? packet : ctx;
              const got = outcome(() => ({ retval: runner.run(input), dataOut: runner.dataOut() }));
              const want = outcome(() => reference.testRun(spec.name, isPacket ? { data: input } : { ctx: input }));
              expect(got).toEqual(want);
              expect(dumpMaps(prepared.maps)).toEqual(dumpMaps(reference.maps));
              if (interleave === 0 && other.section.startsWith('xdp')) {
                // Another program's test run in between, on both VMs: it rewrites the shared regions.
                const frame = new Uint8Array(60).fill(interleave + 1);
                expect(outcome(() => prepared.testRun(other.name, { data: frame }))).toEqual(outcome(() => reference.testRun(other.name, { data: frame })));
              }
            }
          },
        ),
        { numRuns: 120 },
      );
    });
  }
});
