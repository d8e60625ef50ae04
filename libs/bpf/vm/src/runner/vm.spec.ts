import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assemble } from '@bpfleet/isa';
import { BpfProgType, loadBpfObject, type BpfObject, type BpfProgramSpec } from '@bpfleet/elf';
import { Interpreter } from '../interpreter/interpreter.js';
import { RunContext } from '../interpreter/run-context.js';
import { defaultEnv } from './env.js';
import { VmError, VmFault } from '../memory/fault.js';
import { TestRunError } from './errors.js';
import { jitEngine, type EngineFactory } from './engine.js';
import { BpfVm } from './vm.js';

function objectOf(type: BpfProgType, source: string, name = 'prog'): BpfObject {
  const program: BpfProgramSpec = {
    name,
    section: 'test',
    type,
    sleepable: false,
    insns: assemble(source),
    references: [],
    lineInfo: [],
    funcInfo: [],
    coreRelocations: [],
    btfFuncTypeId: 0,
  };
  return { name: 'test', license: 'GPL', kernelVersion: 0, programs: [program], maps: [], elf: new Uint8Array(0) };
}

describe(BpfVm.name, () => {
  it('should let a syscall program rewrite its context and report it as ctx out', () => {
    const vm = new BpfVm(objectOf(BpfProgType.SYSCALL, 'ldxw %r2, [%r1]\nadd %r2, 1\nstxw [%r1+4], %r2\nmov %r0, %r2\nexit'));
    const run = vm.testRun('prog', { ctx: new Uint8Array([41, 0, 0, 0, 0, 0, 0, 0]) });
    expect(run.retval).toBe(42);
    expect(run.ctxOut).toEqual(new Uint8Array([41, 0, 0, 0, 42, 0, 0, 0]));
  });

  it('should fault, naming the instruction and region, when a program leaves its context', () => {
    const vm = new BpfVm(objectOf(BpfProgType.SYSCALL, 'ldxdw %r0, [%r1+8]\nexit'));
    expect(() => vm.testRun('prog', { ctx: new Uint8Array(8) })).toThrow(VmFault);
    try {
      vm.testRun('prog', { ctx: new Uint8Array(8) });
    } catch (e) {
      expect(e).toMatchObject({ code: 'EFAULT_BOUNDS', pc: 0, size: 8, region: 'ctx' });
    }
  });

  it('should refuse stores to a tracepoint context (read-only)', () => {
    const vm = new BpfVm(objectOf(BpfProgType.TRACEPOINT, 'stw [%r1], 1\nmov %r0, 0\nexit'));
    expect(() => vm.testRun('prog', { ctx: new Uint8Array(16) })).toThrow(/read-only/);
  });

  it('should stop a runaway loop with the instruction budget', () => {
    const vm = new BpfVm(objectOf(BpfProgType.SYSCALL, 'loop:\nadd %r0, 1\nja loop\nexit'), { budget: 10_000 });
    expect(() => vm.testRun('prog')).toThrow(expect.objectContaining({ code: 'EBUDGET' }));
  });

  it('should name a helper the VM does not have when the program loads', () => {
    // bpf_get_stackid (27) needs kernel stack walking.
    const vm = new BpfVm(objectOf(BpfProgType.KPROBE, 'call 27\nexit'));
    expect(() => vm.program('prog')).toThrow(VmError);
    expect(() => vm.program('prog')).toThrow(/bpf_get_stackid \(#27\)/);
  });

  it('should refuse data for raw tracepoints and repeats, as the kernel does', () => {
    const vm = new BpfVm(objectOf(BpfProgType.RAW_TRACEPOINT, 'ldxdw %r0, [%r1+8]\nexit'));
    expect(vm.testRun('prog', { ctx: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]) }).retval).toBe(7);
    expect(() => vm.testRun('prog', { repeat: 2 })).toThrow(TestRunError);
    expect(() => vm.testRun('prog', { data: new Uint8Array(20) })).toThrow(TestRunError);
  });

  // Each run increments packet byte 14 and redirects to that value (bpf_redirect, #23).
  const bumpAndRedirect = [
    'ldxw %r2, [%r1]', 'ldxw %r3, [%r1+4]', 'mov %r4, %r2', 'add %r4, 15', 'jgt %r4, %r3, out',
    'ldxb %r5, [%r2+14]', 'add %r5, 1', 'stxb [%r2+14], %r5', 'mov %r1, %r5', 'mov %r2, 0', 'call 23', 'exit',
    'out:', 'mov %r0, 1', 'exit',
  ].join('\n');
  it.each<[string, EngineFactory]>([
    ['interpreter', (mem, helpers) => new Interpreter(mem, helpers)],
    ['jit', jitEngine({ onFallback: (p, reason) => { throw new Error(`JIT refused ${p.name}: ${reason}`); } })],
  ])('should run repeats on the same packet and report the last run (%s)', (_name, engine) => {
    const vm = new BpfVm(objectOf(BpfProgType.XDP, bumpAndRedirect), { engine });
    const data = new Uint8Array(20);
    data[14] = 10;
    const run = vm.testRun('prog', { data, repeat: 5 });
    expect(run.runs).toBe(5);
    expect(run.dataOut[14]).toBe(15);
    expect(run.retval).toBe(4); // XDP_REDIRECT
    expect(run.redirects).toEqual([{ helper: 'redirect', target: 15n, flags: 0n }]);
    expect(run.nsPerRun).toBeGreaterThan(0);
  });

  it.each<[string, EngineFactory]>([
    ['interpreter', (mem, helpers) => new Interpreter(mem, helpers)],
    ['jit', jitEngine({ onFallback: (p, reason) => { throw new Error(`JIT refused ${p.name}: ${reason}`); } })],
  ])('should fault an atomic on read-only memory as a write, leaving it unchanged (%s)', (_name, engine) => {
    // A tracepoint record is read-only like .rodata; both atomic widths, with and without fetch.
    for (const insn of ['lock add [%r1+8], %r2', 'lock fetch add32 [%r1+8], %r2', 'lock xchg [%r1+8], %r2']) {
      const vm = new BpfVm(objectOf(BpfProgType.TRACEPOINT, `mov %r2, 5\n${insn}\nmov %r0, 0\nexit`), { engine });
      let caught: unknown;
      try {
        vm.testRun('prog', { ctx: new Uint8Array(16) });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(VmFault);
      expect(caught).toMatchObject({ code: 'EFAULT_PERM', pc: 1, write: true, region: 'ctx' });
      expect(vm.mem.u8[vm.mem.allRegions.find((r) => r.name === 'ctx')!.base + 8]).toBe(0);
    }
  });

  it.each<[string, EngineFactory]>([
    ['interpreter', (mem, helpers) => new Interpreter(mem, helpers)],
    ['jit', jitEngine({ onFallback: (p, reason) => { throw new Error(`JIT refused ${p.name}: ${reason}`); } })],
  ])('should repeat inside the engine keeping only the last run\'s redirects (%s)', (_name, engine) => {
    // r6 counts runs in a stack slot (the stack is the same memory across repeats).
    const vm = new BpfVm(objectOf(BpfProgType.SYSCALL, 'ldxdw %r6, [%r10-8]\nadd %r6, 1\nstxdw [%r10-8], %r6\nmov %r1, %r6\nmov %r2, 0\ncall 23\nmov %r0, %r6\nexit'), { engine });
    const program = vm.program('prog');
    const ctx = new RunContext(vm.mem, defaultEnv());
    const result = vm.engine.run(program, ctx, { args: [], repeat: 1000 });
    expect(result.r0).toBe(1000n);
    expect(ctx.redirects).toEqual([{ helper: 'redirect', target: 1000n, flags: 0n }]);
  });

  it('should fail map helpers on bad arguments the same way in both engines (int32 fast forms vs BigInt)', () => {
    const outcome = (engine: EngineFactory, source: string): unknown => {
      const vm = new BpfVm(objectOf(BpfProgType.SYSCALL, source), { engine });
      try {
        return vm.testRun('prog', { ctx: new Uint8Array(8) }).retval;
      } catch (e) {
        return { type: (e as Error).constructor.name, message: (e as Error).message };
      }
    };
    const jit = jitEngine({ onFallback: (p, reason) => { throw new Error(`JIT refused ${p.name}: ${reason}`); } });
    // r1 is not a map pointer: a small number (lookup), another tag in the high half (update), all ones (delete).
    for (const source of [
      'mov %r1, 5\nmov %r2, %r10\ncall 1\nexit',
      'lddw %r1, 0x1234567800000000\nmov %r2, %r10\nmov %r3, %r10\nmov %r4, 0\ncall 2\nexit',
      'mov %r1, -1\nmov %r2, %r10\ncall 3\nexit',
    ]) {
      const interp = outcome((mem, helpers) => new Interpreter(mem, helpers), source);
      expect(interp).toMatchObject({ type: 'VmError', message: expect.stringMatching(/is not a map/) });
      expect(outcome(jit, source)).toEqual(interp);
    }
  });

  const tracing = path.resolve(import.meta.dirname, '../../../../../tests/bpf/build/vm_tracing.o');
  (existsSync(tracing) ? it : it.skip)('should run a compiled raw_tp program on u64 args', () => {
    const vm = new BpfVm(loadBpfObject(readFileSync(tracing), { name: tracing }));
    const args = new Uint8Array(new BigUint64Array([3n, 0x12345n, 7n, 8n]).buffer);
    expect(vm.testRun('raw_args', { ctx: args }).retval).toBe(7);
    const bss = vm.map('vm_traci.bss').lookup(new Uint8Array(4))!;
    expect(new BigUint64Array(bss.buffer, 0, 4)).toEqual(new BigUint64Array([3n, 0x12345n, 7n, 8n]));
  });
});
