import { BpfMapType, type BpfMapSpec } from '@bpfleet/elf';
import { assemble, type Instruction } from '@bpfleet/isa';
import { buildHelperTable } from '../helpers/table.js';
import { encodeMapPointer, type Helper, type HelperTable } from '../helpers/types.js';
import { createMap } from '../maps/create.js';
import { Interpreter } from '../interpreter/interpreter.js';
import { DecodedProgram } from '../interpreter/program.js';
import { RunContext } from '../interpreter/run-context.js';
import { AddressSpace } from '../memory/address-space.js';
import { VmError, VmFault } from '../memory/fault.js';
import { PERM_READ, PERM_RW, RegionKind } from '../memory/layout.js';
import { JitEngine } from './engine.js';
import { TEST_ENV } from './testing/harness.js';

/** Test helpers: 1 reads 8 bytes at r1 (faults like a real helper), 12 tail calls, 181 is a bpf_loop. */
function helperTable(targets: DecodedProgram[]): HelperTable {
  const helpers: Helper[] = [
    { id: 1, name: 'read8', fn: (vm, r1) => BigInt.asUintN(64, new DataView(vm.mem.readBytes(r1, 8).buffer).getBigUint64(0, true)) },
    {
      id: 12,
      name: 'tail_call',
      fn: (vm, _ctx, _map, index) => {
        const target = targets[Number(index)];
        if (!target) return BigInt.asUintN(64, -2n);
        vm.tailCallTarget = target;
        return 0n;
      },
    },
    {
      id: 181,
      name: 'loop',
      fn: (vm, n, cb, ctx) => {
        let i = 0n;
        while (i < n) {
          const r = vm.invokeFunction(cb, i, ctx, 0n, 0n, 0n);
          i++;
          if (r === 1n) break;
        }
        return i;
      },
    },
    { id: 5, name: 'unwind', fn: (vm, r1) => (r1 === 0n ? (vm.requestExit(0n), 0n) : r1) },
  ];
  return new Map(helpers.map((h) => [h.id, h]));
}

interface Setup {
  engine: JitEngine | Interpreter;
  mem: AddressSpace;
  programs: DecodedProgram[];
  input: number;
}

function setup(kind: 'jit' | 'interpreter', sources: Instruction[][]): Setup {
  const mem = new AddressSpace();
  const programs: DecodedProgram[] = [];
  const helpers = helperTable(programs);
  sources.forEach((insns, i) => programs.push(new DecodedProgram(insns, { helpers, name: `p${i}` })));
  const engine =
    kind === 'jit'
      ? new JitEngine(mem, helpers, {
          onFallback: (_p, reason) => {
            throw new Error(reason);
          },
        })
      : new Interpreter(mem, helpers);
  const input = mem.allocate('input', RegionKind.Input, 64, PERM_RW).base;
  return { engine, mem, programs, input };
}

function bothEngines(sources: Instruction[][], options: { repeat?: number; skb?: Uint8Array } = {}): Array<{ r0?: bigint; insns?: number; error?: unknown; input: Uint8Array }> {
  return (['interpreter', 'jit'] as const).map((kind) => {
    const { engine, mem, programs, input } = setup(kind, sources);
    if (options.skb) mem.u8.set(options.skb, input);
    const ctx = new RunContext(mem, TEST_ENV);
    const runOptions = { args: [BigInt(input), 64n], ...(options.skb ? { skbData: { address: input, length: options.skb.length } } : {}) };
    try {
      // Both engines run `repeat` times themselves.
      const result = engine.run(programs[0], ctx, { ...runOptions, repeat: options.repeat ?? 1 });
      return { r0: result.r0, insns: result.insns, input: mem.u8.slice(input, input + 64) };
    } catch (error) {
      return { error, input: mem.u8.slice(input, input + 64) };
    }
  });
}

describe(JitEngine.name, () => {
  it('should call helpers with r1..r5 and place a fault raised inside a helper at the call', () => {
    const [interp, jit] = bothEngines([assemble('mov %r1, 16\ncall 1\nexit')]);
    expect(jit.error).toBeInstanceOf(VmFault);
    expect((jit.error as VmFault).pc).toBe(1);
    expect((jit.error as VmFault).message).toBe((interp.error as VmFault).message);
  });

  it('should tail call into another program and return its r0 (registers carried over)', () => {
    const caller = assemble('mov %r6, %r1\nmov %r3, 1\ncall 12\nmov %r0, 99\nexit');
    const target = assemble('ldxb %r0, [%r1]\nadd %r0, 7\nexit');
    const [interp, jit] = bothEngines([caller, target], { skb: new Uint8Array([5]) });
    expect(jit.r0).toBe(12n);
    expect(jit).toEqual(interp);
  });

  it('should continue after a failed tail call', () => {
    const [interp, jit] = bothEngines([assemble('mov %r3, 9\ncall 12\nmov %r0, 99\nexit')]);
    expect(jit.r0).toBe(99n);
    expect(jit).toEqual(interp);
  });

  it('should run bpf_loop callbacks as BPF functions in a new frame', () => {
    // r0 = bpf_loop(10, cb, input); cb adds i to *(u64 *)input and stops when i == 6.
    const insns = assemble(`
      mov %r1, 10
      ld_pseudo r2, 4, 5
      mov %r3, %r6
      mov %r4, 0
      call 181
      exit
      ldxdw %r3, [%r2]
      add %r3, %r1
      stxdw [%r2], %r3
      mov %r0, 0
      jne %r1, 6, +1
      mov %r0, 1
      exit
    `);
    insns.unshift(...assemble('mov %r6, %r1'));
    const [interp, jit] = bothEngines([insns]);
    expect(jit.r0).toBe(7n);
    expect(jit.input[0]).toBe(21);
    expect(jit).toEqual(interp);
  });

  it('should refuse a ninth nested bpf-to-bpf call like the interpreter', () => {
    const [interp, jit] = bothEngines([assemble('call local f\nexit\nf:\ncall local f\nexit')]);
    expect((jit.error as VmError).code).toBe('ECALLDEPTH');
    expect((jit.error as VmError).message).toBe((interp.error as VmError).message);
  });

  it('should stop a runaway loop with EBUDGET', () => {
    const { engine, mem, programs } = setup('jit', [assemble('mov %r0, 0\nl:\nadd %r0, 1\nja l\nexit')]);
    expect(() => engine.run(programs[0], new RunContext(mem, TEST_ENV), { args: [], budget: 1000 })).toThrow(expect.objectContaining({ code: 'EBUDGET' }));
  });

  it('should read packets with LD_ABS / LD_IND and end with r0 = 0 past the end', () => {
    const skb = new Uint8Array([0x12, 0x34, 0x56, 0x78, 0x9a]);
    const ok = bothEngines([assemble('ldabsw 1\nmov %r6, %r0\nmov %r7, 2\nldindh %r7, 1\nadd %r0, %r6\nexit')], { skb });
    expect(ok[1].r0).toBe(0x3456789an + 0x789an);
    expect(ok[1]).toEqual(ok[0]);
    const miss = bothEngines([assemble('ldabsw 4\nmov %r0, 5\nexit')], { skb });
    expect(miss[1].r0).toBe(0n);
    expect(miss[1]).toEqual(miss[0]);
  });

  it('should repeat runs on the same memory and honour an exit request in any run', () => {
    const counter = assemble('ldxdw %r2, [%r1]\nadd %r2, 1\nstxdw [%r1], %r2\nmov %r0, %r2\nexit');
    const [interp, jit] = bothEngines([counter], { repeat: 50 });
    expect(jit.r0).toBe(50n);
    expect(jit).toEqual(interp);
    // unwind(0) on every odd count: the exit request must not stop the remaining repeats.
    const unwinding = assemble('ldxdw %r2, [%r1]\nadd %r2, 1\nstxdw [%r1], %r2\nmov %r1, %r2\nand %r1, 1\ncall 5\nmov %r0, 7\nexit');
    const [i2, j2] = bothEngines([unwinding], { repeat: 10 });
    expect(j2.input[0]).toBe(10);
    expect(j2).toEqual(i2);
  });

  it('should keep checking every access when the region cache carries over from one repeat to the next', () => {
    // Run k reads input[8k]: runs 1..7 stay inside the 64-byte input, run 8 leaves it and must fault
    // at the same instruction, with the same memory, in both engines.
    const walker = assemble('ldxdw %r2, [%r1]\nadd %r2, 1\nstxdw [%r1], %r2\nmov %r3, %r2\nlsh %r3, 3\nadd %r3, %r1\nldxdw %r0, [%r3]\nexit');
    const [interp, jit] = bothEngines([walker], { repeat: 20 });
    expect(jit.error).toBeInstanceOf(VmFault);
    expect((jit.error as VmFault).pc).toBe(6);
    expect(jit.input[0]).toBe(8);
    expect(jit).toEqual(interp);
  });

  it('should fall back to the interpreter, with the reason, when the compiler refuses a program', () => {
    const mem = new AddressSpace();
    const reasons: string[] = [];
    const helpers = helperTable([]);
    const engine = new JitEngine(mem, helpers, { onFallback: (_p, reason) => reasons.push(reason) });
    // callx through r11 cannot be compiled; the interpreter reports it when it runs.
    const program = new DecodedProgram([{ opcode: 0x8d, dst: 0, src: 0, offset: 0, imm: 11 }, ...assemble('exit')], { helpers });
    expect(() => engine.run(program, new RunContext(mem, TEST_ENV), { args: [] })).toThrow(VmError);
    expect(reasons).toEqual([expect.stringContaining('callx through invalid register r11')]);
  });

  it('should run a refused program in the interpreter exactly `repeat` times', () => {
    const mem = new AddressSpace();
    const reasons: string[] = [];
    const helpers = helperTable([]);
    const engine = new JitEngine(mem, helpers, { onFallback: (_p, reason) => reasons.push(reason) });
    // A callx through r11 the interpreter never reaches makes the compiler refuse the program; the rest
    // counts runs in a stack slot.
    const counter = assemble('ldxdw %r0, [%r10-8]\nadd %r0, 1\nstxdw [%r10-8], %r0\nexit');
    const program = new DecodedProgram([...assemble('mov %r1, 0\njeq %r1, 0, +1'), { opcode: 0x8d, dst: 0, src: 0, offset: 0, imm: 11 }, ...counter], { helpers });
    expect(engine.run(program, new RunContext(mem, TEST_ENV), { args: [], repeat: 7 }).r0).toBe(7n);
    expect(reasons).toHaveLength(1);
  });
});

describe('JitEngine map lookups on known maps', () => {
  const spec = (name: string, type: BpfMapType, keySize: number, maxEntries: number): BpfMapSpec => ({
    name,
    type,
    keySize,
    valueSize: 8,
    maxEntries,
    flags: 0,
    origin: 'btf',
    section: '.maps',
    btfKeyTypeId: 0,
    btfValueTypeId: 0,
    pinning: 0,
  });
  // r0 = sum over keys 0..9 of (array[k] ?: 1000) + (hash[k] ?: 2000); then a lookup with the key at r2 = 8 (a fault).
  const source = `
    mov %r6, 0
    mov %r7, 0
  loop:
    stxw [%r10-4], %r6
    ld_pseudo r1, 5, 0
    mov %r2, %r10
    add %r2, -4
    call 1
    mov %r3, 1000
    jeq %r0, 0, +1
    ldxdw %r3, [%r0]
    add %r7, %r3
    stxdw [%r10-16], %r6
    ld_pseudo r1, 5, 1
    mov %r2, %r10
    add %r2, -16
    call 1
    mov %r3, 2000
    jeq %r0, 0, +1
    ldxdw %r3, [%r0]
    add %r7, %r3
    add %r6, 1
    jlt %r6, 10, loop
    mov %r0, %r7
    jne %r9, 1, +4
    ld_pseudo r1, 5, 1
    mov %r2, 8
    call 1
    exit
  `;

  function run(kind: 'jit' | 'interpreter', fault: boolean): unknown {
    const mem = new AddressSpace();
    const maps = [spec('arr', BpfMapType.ARRAY, 4, 4), spec('h', BpfMapType.HASH, 8, 16)].map((s, i) => createMap(i, s, { mem, cpus: 1 }, () => undefined));
    const scratch = mem.allocate('scratch', RegionKind.Scratch, 4096, PERM_READ);
    const table = buildHelperTable({ mem, maps, scratch });
    const lookup = table.get(1)!;
    let helperCalls = 0;
    const helpers = new Map(table).set(1, { ...lookup, fn: (...args) => (helperCalls++, lookup.fn(...args)) });
    maps[0].update(Uint8Array.of(2, 0, 0, 0), Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 0));
    maps[1].update(Uint8Array.of(5, 0, 0, 0, 0, 0, 0, 0), Uint8Array.of(9, 0, 0, 0, 0, 0, 0, 0));
    const insns = assemble((fault ? 'mov %r9, 1\n' : '') + source);
    const program = new DecodedProgram(insns, {
      helpers,
      maps: { mapPointer: (i) => encodeMapPointer(i), mapValueAddress: (i, off) => BigInt(maps[i].region!.base + off) },
    });
    const engine = kind === 'jit' ? new JitEngine(mem, helpers, { maps }) : new Interpreter(mem, helpers);
    try {
      const r = engine.run(program, new RunContext(mem, TEST_ENV), { args: [] });
      return { r0: r.r0, insns: r.insns, helperCalls: kind === 'jit' ? helperCalls : 'n/a' };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  it('should give the helper results without calling it (arrays in Wasm, hashes by a direct host call)', () => {
    const jit = run('jit', false);
    // array: 4 entries, k=2 holds 7, k=0,1,3 hold 0, k>=4 miss; hash: only k=5 holds 9.
    expect(jit).toEqual({ r0: 7n + 6n * 1000n + 9n + 9n * 2000n, insns: expect.any(Number), helperCalls: 0 });
    expect({ ...(jit as object), helperCalls: 'n/a' }).toEqual(run('interpreter', false));
  });

  it('should fault on a bad key pointer like the helper', () => {
    const jit = run('jit', true);
    expect(jit).toEqual({ error: expect.stringContaining('invalid memory access') });
    expect(jit).toEqual(run('interpreter', true));
  });
});
