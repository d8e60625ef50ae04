import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { decodeInstructions, encodeInstructions, type Instruction } from '@bpfleet/isa';
import { loadBpfObject } from '@bpfleet/elf';
import { AddressSpace } from '../memory/address-space.js';
import { VmError, VmFault } from '../memory/fault.js';
import { PERM_READ, PERM_RW, PERM_WRITE, RegionKind } from '../memory/layout.js';
import { conformanceHelpers } from '../conformance/conformance.js';
import { defaultEnv } from '../runner/env.js';
import { BpfVm } from '../runner/vm.js';
import { interpreterEngine, jitEngine, type EngineFactory } from '../runner/engine.js';
import { TestRunError } from '../runner/errors.js';
import { MapError } from '../maps/map.js';
import { DecodedProgram } from './program.js';
import { RunContext } from './run-context.js';

/** Errors a bad program may end with; anything else is a bug (a crash of the host). */
function isTypedVmError(e: unknown): boolean {
  return e instanceof VmError || e instanceof VmFault || e instanceof TestRunError || e instanceof MapError;
}

/**
 * Every byte a program must never change: all memory except writable regions and the regions the
 * runner itself rewrites per run (context and packet, with their region-table entries).
 */
function protectedBytes(mem: AddressSpace): Uint8Array {
  const copy = mem.u8.slice();
  for (const region of mem.allRegions) {
    const perms = mem.regionTable[region.id * 4 + 2];
    const hostManaged = region.kind === RegionKind.Context || region.kind === RegionKind.Packet;
    // Hash map key indexes are the VM's own bookkeeping: map helpers change them, programs cannot.
    const bookkeeping = region.kind === RegionKind.MapIndex;
    if (perms & PERM_WRITE || hostManaged || bookkeeping) copy.fill(0, region.base, region.base + region.capacity);
    if (hostManaged) copy.fill(0, 0x8000 + region.id * 16, 0x8000 + region.id * 16 + 16);
  }
  return copy;
}

/** Random instruction slots, biased towards valid opcodes and small offsets so programs run a while. */
const opcodes = [
  0x04, 0x07, 0x0c, 0x0f, 0x14, 0x17, 0x1c, 0x1f, 0x24, 0x27, 0x2f, 0x34, 0x37, 0x3c, 0x3f, 0x44, 0x47, 0x54, 0x57, 0x64, 0x67, 0x6f, 0x74, 0x77,
  0x7f, 0x84, 0x87, 0x94, 0x97, 0x9f, 0xa4, 0xa7, 0xb4, 0xb7, 0xbc, 0xbf, 0xc4, 0xc7, 0xcf, 0xd4, 0xdc, 0xd7, 0x05, 0x06, 0x15, 0x1d, 0x25, 0x2d,
  0x35, 0x45, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0xa5, 0xad, 0xb5, 0xc5, 0xd5, 0x16, 0x26, 0x56, 0x66, 0xa6, 0xd6, 0x61, 0x69, 0x71, 0x79, 0x81, 0x89,
  0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0x18, 0x85, 0x95, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x00, 0xff,
];
const insnArb = fc.record({
  opcode: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...opcodes) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
  dst: fc.integer({ min: 0, max: 11 }),
  src: fc.integer({ min: 0, max: 11 }),
  offset: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.integer({ min: -32768, max: 32767 })),
  imm: fc.oneof(fc.integer({ min: -8, max: 64 }), fc.constantFrom(0x00, 0x01, 0x40, 0x41, 0xe1, 0xf1, 16, 32, 64), fc.integer()),
});

/** Both engines run the same fuzzing: the JIT's shared range checks must be as tight as the interpreter's. */
const ENGINES: readonly (readonly [string, EngineFactory])[] = [
  ['interpreter', interpreterEngine],
  // Garbage programs the JIT cannot compile run in the interpreter (expected here, so not logged).
  ['JIT', jitEngine({ onFallback: () => undefined })],
];

describe.each(ENGINES)('fuzz: random and mutated programs (%s)', (_name, engine) => {
  it('should end every random program with a result or a typed error, never touching memory outside writable regions', () => {
    const mem = new AddressSpace({ initialBytes: 256 * 1024 });
    const helpers = conformanceHelpers();
    const interp = engine(mem, helpers, () => []);
    const input = mem.allocate('input', RegionKind.Input, 64, PERM_RW);
    mem.allocate('rodata', RegionKind.ReadOnlyData, 64, PERM_READ);
    const before = protectedBytes(mem);
    fc.assert(
      // Half end with an exit, so that more of them get past the JIT's compile-time checks.
      fc.property(fc.tuple(fc.array(insnArb, { minLength: 1, maxLength: 40 }), fc.boolean()), ([body, withExit]) => {
        const raw = withExit ? [...body, { opcode: 0x95, dst: 0, src: 0, offset: 0, imm: 0 }] : body;
        let insns: Instruction[];
        try {
          insns = decodeInstructions(encodeInstructions(raw));
        } catch {
          return;
        }
        let program: DecodedProgram;
        try {
          program = new DecodedProgram(insns, { helpers, lateHelperBinding: true });
        } catch (e) {
          expect(isTypedVmError(e)).toBe(true);
          return;
        }
        try {
          interp.run(program, new RunContext(mem, defaultEnv()), { args: [BigInt(input.base), 64n], budget: 2000 });
        } catch (e) {
          if (!isTypedVmError(e)) throw e;
        }
        expect(Buffer.compare(protectedBytes(mem), before)).toBe(0);
      }),
      { numRuns: 1500 },
    );
  });

  const corpus = path.resolve(import.meta.dirname, '../../../../../tests/bpf/build/vm_net.o');
  (existsSync(corpus) ? it : it.skip)('should survive mutations of compiled programs run through the test runner', () => {
    const object = loadBpfObject(readFileSync(corpus), { name: corpus });
    const packet = new Uint8Array(80).map((_, i) => (i * 37) & 0xff);
    packet[12] = 0x08;
    packet[13] = 0x00;
    fc.assert(
      fc.property(
        fc.constantFrom(...object.programs.map((p) => p.name)),
        fc.array(fc.record({ at: fc.nat(), field: fc.constantFrom('opcode', 'dst', 'src', 'offset', 'imm'), value: fc.integer({ min: -70000, max: 70000 }) }), { minLength: 1, maxLength: 4 }),
        (name, mutations) => {
          const spec = object.programs.find((p) => p.name === name)!;
          const insns = spec.insns.map((i) => ({ ...i }));
          for (const m of mutations) {
            const i = m.at % insns.length;
            const insn = insns[i] as { -readonly [K in keyof Instruction]: Instruction[K] };
            if (m.field === 'opcode') insn.opcode = m.value & 0xff;
            else if (m.field === 'dst' || m.field === 'src') insn[m.field] = m.value & 0xf;
            else if (m.field === 'offset') insn.offset = ((m.value & 0xffff) << 16) >> 16;
            else insn.imm = m.value | 0;
          }
          const mutated = { ...object, programs: object.programs.map((p) => (p.name === name ? { ...p, insns } : p)) };
          let vm: BpfVm;
          try {
            vm = new BpfVm(mutated, { budget: 5000, engine });
          } catch (e) {
            expect(isTypedVmError(e)).toBe(true);
            return;
          }
          const before = protectedBytes(vm.mem);
          try {
            vm.testRun(name, { data: packet });
          } catch (e) {
            if (!isTypedVmError(e)) throw e;
          }
          expect(Buffer.compare(protectedBytes(vm.mem), before)).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
