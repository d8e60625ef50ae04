import fc from 'fast-check';
import type { Instruction } from '@bpfleet/isa';
import { BpfMapType, BpfProgType, type BpfMapSpec, type BpfObject } from '@bpfleet/elf';
import { encodeMapPointer, MAP_POINTER_TAG } from '../helpers/types.js';
import { interpreterEngine, type EngineFactory } from '../runner/engine.js';
import { defaultEnv } from '../runner/env.js';
import { BpfVm } from '../runner/vm.js';
import { Interpreter } from './interpreter.js';
import { DecodedProgram, OP_LDDW_LOOKUP, OP_MAP_LOOKUP, OP_MAP_UPDATE, type MapLinker } from './program.js';
import { RunContext } from './run-context.js';

/*
 * The interpreter runs bpf_map_lookup_elem / bpf_map_update_elem inline for the maps of its VM
 * (program.ts turns those calls into OP_MAP_LOOKUP / OP_MAP_UPDATE, and `lddw r1, map` + lookup
 * into OP_LDDW_LOOKUP). An interpreter built without the VM's maps, on the plain decoding, runs the
 * same calls through the helpers; on random programs of map operations, with good and bad maps,
 * keys, values and flags, and random budgets, both must end the same way: same r0 and instruction
 * count, or the same error at the same instruction, and the same maps afterwards.
 */

const insn = (opcode: number, dst = 0, src = 0, offset = 0, imm = 0): Instruction => ({ opcode, dst, src, offset, imm });
/** `lddw dst, value` (two slots). */
const lddw = (dst: number, value: bigint, src = 0): Instruction[] => [
  { opcode: 0x18, dst, src, offset: 0, imm: Number(BigInt.asIntN(32, value)), imm64: value },
  insn(0, 0, 0, 0, Number(BigInt.asIntN(32, value >> 32n))),
];
const PSEUDO_MAP_FD = 1;

function mapSpec(name: string, type: BpfMapType, keySize: number, valueSize: number, maxEntries: number): BpfMapSpec {
  return { name, type, keySize, valueSize, maxEntries, flags: 0, origin: 'btf', section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0, pinning: 0 };
}

/** One of each inline kind (array, per-CPU array, 4-byte-key hash) and of the kinds that are not. */
const MAPS: readonly BpfMapSpec[] = [
  mapSpec('array', BpfMapType.ARRAY, 4, 12, 6),
  mapSpec('percpu_array', BpfMapType.PERCPU_ARRAY, 4, 8, 4),
  mapSpec('hash', BpfMapType.HASH, 4, 8, 5),
  mapSpec('hash_key8', BpfMapType.HASH, 8, 8, 4),
  mapSpec('lru', BpfMapType.LRU_HASH, 4, 8, 3),
  mapSpec('percpu_hash', BpfMapType.PERCPU_HASH, 4, 8, 3),
  mapSpec('queue', BpfMapType.QUEUE, 0, 8, 3),
];

type MapRef = { kind: 'map'; index: number } | { kind: 'number' } | { kind: 'missing' };
/** Where a key or value pointer points: the stack slot written before, NULL, or past the stack's end. */
type Pointer = 'stack' | 'null' | 'past-end';

interface Step {
  readonly op: 'lookup' | 'update';
  readonly map: MapRef;
  readonly key: number;
  readonly keyHigh: number;
  readonly keyPointer: Pointer;
  readonly value: number;
  readonly valuePointer: Pointer;
  readonly flags: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom('lookup', 'update'),
  map: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0, max: MAPS.length - 1 }).map((index): MapRef => ({ kind: 'map', index })) },
    { weight: 1, arbitrary: fc.constant<MapRef>({ kind: 'number' }) },
    { weight: 1, arbitrary: fc.constant<MapRef>({ kind: 'missing' }) },
  ),
  key: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 7 }) }, { weight: 1, arbitrary: fc.integer() }),
  keyHigh: fc.integer({ min: 0, max: 2 }),
  keyPointer: fc.oneof({ weight: 12, arbitrary: fc.constant<Pointer>('stack') }, { weight: 1, arbitrary: fc.constantFrom<Pointer>('null', 'past-end') }),
  value: fc.integer(),
  valuePointer: fc.oneof({ weight: 12, arbitrary: fc.constant<Pointer>('stack') }, { weight: 1, arbitrary: fc.constantFrom<Pointer>('null', 'past-end') }),
  flags: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constantFrom(3, 4, 5, 0x10000, -1) }),
});

/** r2 (or r3) = the pointer: r10 - 16 for the key, r10 - 24 for the value, when on the stack. */
function pointer(reg: number, kind: Pointer, stackOffset: number): Instruction[] {
  if (kind === 'null') return [insn(0xb7, reg, 0, 0, 0)];
  // Past the end: the last 4 bytes of the stack, so an access of 8 runs over its top.
  return [insn(0xbf, reg, 10), insn(0x07, reg, 0, 0, kind === 'stack' ? stackOffset : -4)];
}

/** Each step's r0 (a found value's first word, or the helper's result) is added to r6, which the program returns. */
function program(steps: readonly Step[]): Instruction[] {
  const out: Instruction[] = [insn(0xb7, 6, 0, 0, 0)];
  for (const s of steps) {
    out.push(insn(0x62, 10, 0, -16, s.key), insn(0x62, 10, 0, -12, s.keyHigh));
    out.push(...pointer(2, s.keyPointer, -16));
    if (s.map.kind === 'map') out.push(...lddw(1, BigInt(s.map.index), PSEUDO_MAP_FD));
    else if (s.map.kind === 'number') out.push(insn(0xb7, 1, 0, 0, 5));
    else out.push(...lddw(1, MAP_POINTER_TAG | 99n));
    if (s.op === 'lookup') {
      // if (r0) { r3 = *(u64 *)r0 + 1; *(u64 *)r0 = r3; r6 += r3 }
      out.push(insn(0x85, 0, 0, 0, 1), insn(0x15, 0, 0, 3, 0), insn(0x79, 3, 0, 0), insn(0x07, 3, 0, 0, 1), insn(0x7b, 0, 3, 0));
      out.push(insn(0x0f, 6, 3));
    } else {
      out.push(insn(0x62, 10, 0, -24, s.value), insn(0x62, 10, 0, -20, s.value >> 3));
      out.push(...pointer(3, s.valuePointer, -24), insn(0xb7, 4, 0, 0, s.flags), insn(0x85, 0, 0, 0, 2), insn(0x0f, 6, 0));
    }
  }
  out.push(insn(0xbf, 0, 6), insn(0x95));
  return out;
}

function objectWith(insns: Instruction[]): BpfObject {
  const spec = { name: 'prog', section: 'test', type: BpfProgType.SYSCALL, sleepable: false, insns, references: [], lineInfo: [], funcInfo: [], coreRelocations: [], btfFuncTypeId: 0 };
  return { name: 'test', license: 'GPL', kernelVersion: 0, programs: [spec], maps: [...MAPS], elf: new Uint8Array(0) };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * Everything runs leave behind: result or error, then every map's contents. The program is decoded
 * specialised (`lddw` + lookup fused, map calls inline) or plain, and runs `runs` times with
 * growing repeat counts under `budget` (which may run out anywhere, also inside a fused pair).
 */
function outcome(engine: EngineFactory, specialize: boolean, insns: Instruction[], runs: number, cpu: number, budget: number): unknown[] {
  const vm = new BpfVm(objectWith(insns), { engine, cpus: 2 });
  const results: unknown[] = [];
  try {
    const maps: MapLinker = { mapPointer: encodeMapPointer, mapValueAddress: () => 0n };
    const program = new DecodedProgram(insns, { helpers: vm.helpers, maps, specialize });
    for (let run = 0; run < runs; run++) {
      try {
        const out = vm.engine.run(program, new RunContext(vm.mem, defaultEnv(), cpu), { args: [0n], budget, repeat: run + 1 });
        results.push({ r0: out.r0, insns: out.insns });
      } catch (e) {
        const error = e as Error & { code?: string; pc?: number };
        results.push({ error: error.constructor.name, code: error.code, pc: error.pc, message: error.message });
      }
    }
  } catch (e) {
    results.push({ decode: (e as Error).message });
  }
  for (const map of vm.maps) results.push(map.name, [...map.entries()].map(([k, v]) => `${hex(k)}=${hex(v)}`).sort());
  return results;
}

const withHelpers: EngineFactory = (mem, helpers) => new Interpreter(mem, helpers);

describe('inline map helpers in the interpreter', () => {
  it('should turn calls of the VM map helpers into inline operations', () => {
    const lookup: Step = { op: 'lookup', map: { kind: 'map', index: 0 }, key: 1, keyHigh: 0, keyPointer: 'stack', value: 0, valuePointer: 'stack', flags: 0 };
    const decoded = new BpfVm(objectWith(program([lookup, { ...lookup, op: 'update', map: { kind: 'map', index: 2 } }]))).program('prog');
    const ops = Array.from({ length: decoded.length }, (_, pc) => decoded.code[decoded.codeBase + pc * 4] & 0xff);
    expect(ops).toContain(OP_MAP_LOOKUP);
    expect(ops).toContain(OP_MAP_UPDATE);
    expect(ops).toContain(OP_LDDW_LOOKUP);
  });

  it('should end random map programs exactly as the helpers do (results, errors, budget, maps)', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 24 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 1000 }), (steps, runs, cpu, budget) => {
        const insns = program(steps);
        expect(outcome(interpreterEngine, true, insns, runs, cpu, budget)).toEqual(outcome(withHelpers, false, insns, runs, cpu, budget));
      }),
      { numRuns: 400 },
    );
  });
});
