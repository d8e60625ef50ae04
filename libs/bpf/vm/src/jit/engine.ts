import '../wasm-api.js';
import type { HelperFn, HelperTable } from '../helpers/types.js';
import { decodeFuncPointer } from '../helpers/types.js';
import { DEFAULT_INSN_BUDGET, Interpreter, type InterpretOptions, type InterpretResult } from '../interpreter/interpreter.js';
import { DecodedProgram } from '../interpreter/program.js';
import type { RunContext } from '../interpreter/run-context.js';
import type { AddressSpace } from '../memory/address-space.js';
import { VmError, VmFault } from '../memory/fault.js';
import { MAX_CALL_FRAMES, MAX_TAIL_CALLS, PERM_READ, PERM_WRITE, STACK_FRAME_SIZE } from '../memory/layout.js';
import { BpfMapType } from '@bpfleet/elf';
import { ArrayMap } from '../maps/array.js';
import { HashMap } from '../maps/hash.js';
import type { VmMap } from '../maps/map.js';
import { compileToWasm, JIT_EXPORT, JIT_IMPORT, STOP_EXIT, STOP_NONE, STOP_TAIL_CALL, type Lowering, type MapLookupPlan } from './compiler.js';

/** (r1..r5, r10, then the initial r0, r6..r9) -> r0. */
type BpfFunction = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint, r10: bigint, r0: bigint, r6: bigint, r7: bigint, r8: bigint, r9: bigint) => bigint;
/** (r1..r5, r10, r0, r6..r9, budget, stackLimit, count) -> r0 of the last run. */
type RunFunction = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint, r10: bigint, r0: bigint, r6: bigint, r7: bigint, r8: bigint, r9: bigint, budget: bigint, stackLimit: bigint, count: number) => bigint;

/** `InterpretOptions` plus `repeat`: run the program that many times in a row (BPF_PROG_TEST_RUN's repeat). */
export interface JitRunOptions extends InterpretOptions {
  readonly repeat?: number;
}

/** One instantiated program: its entry, its other functions (callbacks), and its control globals. */
export interface JitProgram {
  readonly program: DecodedProgram;
  readonly entry: BpfFunction;
  /** The entry function with the repeat loop inside: runs the program `count` times. */
  readonly run: RunFunction;
  readonly budgetLeft: () => number;
  readonly functions: ReadonlyMap<number, BpfFunction>;
  readonly budget: WebAssembly.Global;
  readonly stop: WebAssembly.Global;
  readonly pc: WebAssembly.Global;
  readonly fp: WebAssembly.Global;
  readonly stackLimit: WebAssembly.Global;
  readonly repeatLeft: WebAssembly.Global;
  /** Whether repeats may loop inside Wasm: not when the program can tail call or redirect (see REPEAT_FROM_HOST_HELPERS). */
  readonly repeatInWasm: boolean;
  readonly loweringUsed: readonly Lowering[];
  /** Milliseconds spent compiling and instantiating. */
  readonly compileMs: number;
}

export interface JitEngineOptions {
  /** Control-flow lowering (default: structured, with a dispatch loop for irreducible flow). */
  readonly lowering?: Lowering;
  /**
   * The VM's maps (as the helpers see them). When given, `bpf_map_lookup_elem` on a map the program
   * names with `lddw` skips the generic helper: array lookups are computed in Wasm, others take a
   * direct host call without BigInt conversions. Same results and faults as the helper. A function
   * is read when a program is first compiled (for maps created after the engine).
   */
  readonly maps?: readonly VmMap[] | (() => readonly VmMap[]);
  /** Where the reason goes when a program cannot be compiled and runs in the interpreter. */
  readonly onFallback?: (program: DecodedProgram, reason: string) => void;
}

interface PendingTailCall {
  readonly target: DecodedProgram;
  readonly args: readonly [bigint, bigint, bigint, bigint, bigint];
  readonly fp: bigint;
}

const u64 = (v: bigint): bigint => (v < 0n ? BigInt.asUintN(64, v) : v);
const BPF_FUNC_TAIL_CALL = 12;
/**
 * Helpers that make repeats loop from the host: tail calls (the limit is per run) and redirects (each
 * run's records replace the previous run's, so a long repeat does not pile them up).
 */
const REPEAT_FROM_HOST_HELPERS = new Set([BPF_FUNC_TAIL_CALL, 23 /* redirect */, 51 /* redirect_map */]);

/**
 * Runs programs compiled to WebAssembly, with the interpreter's signature and semantics
 * (`run(program, ctx, options)`). Each program is compiled and instantiated once, on first use, and
 * shares the address space's memory; a program the compiler refuses runs in the interpreter, and the
 * reason is reported through `onFallback` (default: a console warning).
 */
export class JitEngine {
  /** `run` loops `repeat` times itself (inside Wasm when it can). */
  readonly repeatsInternally = true;
  /** The fallback engine; its stack region is the one JIT code runs on too. */
  readonly interpreter: Interpreter;
  private readonly compiled = new WeakMap<DecodedProgram, JitProgram | string>();
  private readonly stackTop: number;
  private readonly stackBottom: number;
  private readonly lowering: Lowering;
  private readonly mapSource: readonly VmMap[] | (() => readonly VmMap[]);
  private readonly onFallback: (program: DecodedProgram, reason: string) => void;
  // Per-run state the imports read (one run at a time per engine).
  private ctx: RunContext | null = null;
  private active: JitProgram | null = null;
  private pending: PendingTailCall | null = null;
  private tailCalls = 0;
  private skbAddress = 0;
  private skbLength = 0;
  private readonly invoker = (ptr: bigint, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint => this.invoke(ptr, r1, r2, r3, r4, r5);
  // BigInt forms of per-run constants, so a run allocates nothing it does not have to.
  private readonly stackTopBig: bigint;
  private readonly stackBottomBig: bigint;
  private lastBudget = -1;
  private lastBudgetBig = 0n;

  constructor(
    readonly mem: AddressSpace,
    private readonly helpers: HelperTable,
    options: JitEngineOptions = {},
  ) {
    this.interpreter = new Interpreter(mem, helpers);
    this.stackTop = this.interpreter.framePointer(0);
    this.stackBottom = this.stackTop - MAX_CALL_FRAMES * STACK_FRAME_SIZE;
    this.stackTopBig = BigInt(this.stackTop);
    this.stackBottomBig = BigInt(this.stackBottom);
    this.lowering = options.lowering ?? 'structured';
    this.mapSource = options.maps ?? [];
    this.onFallback = options.onFallback ?? ((program, reason) => console.warn(`jit: program ${program.name} runs in the interpreter: ${reason}`));
  }

  /** The compiled form of `program`, compiling it on first use; a string is the reason it could not be. */
  compile(program: DecodedProgram): JitProgram | string {
    const cached = this.compiled.get(program);
    if (cached !== undefined) return cached;
    let result: JitProgram | string;
    try {
      result = this.instantiate(program);
    } catch (error) {
      result = error instanceof Error ? error.message : String(error);
      this.onFallback(program, result);
    }
    this.compiled.set(program, result);
    return result;
  }

  /**
   * Runs the program (`options.repeat` times, default once, on the same memory, as the kernel's test
   * run does) and returns the last run's r0 and instruction count. Same semantics and errors as
   * `Interpreter.run`; the budget applies to each run.
   */
  run(program: DecodedProgram, ctx: RunContext, options: JitRunOptions): InterpretResult {
    const jp = this.compile(program);
    const repeat = options.repeat ?? 1;
    // The interpreter honours `repeat` itself.
    if (typeof jp === 'string') return this.interpreter.run(program, ctx, options);
    const budget = options.budget ?? DEFAULT_INSN_BUDGET;
    this.ctx = ctx;
    this.active = jp;
    this.pending = null;
    this.skbAddress = options.skbData?.address ?? 0;
    this.skbLength = options.skbData?.length ?? 0;
    ctx.invoker = this.invoker;
    if (budget !== this.lastBudget) {
      this.lastBudget = budget;
      this.lastBudgetBig = BigInt(budget);
    }
    const a = options.args;
    try {
      let left = repeat;
      for (;;) {
        this.tailCalls = 0;
        const count = jp.repeatInWasm ? left : 1;
        // Wasm takes i64 arguments modulo 2^64, so the arguments need no normalizing here.
        const r0 = jp.run(a[0] ?? 0n, a[1] ?? 0n, a[2] ?? 0n, a[3] ?? 0n, a[4] ?? 0n, this.stackTopBig, 0n, 0n, 0n, 0n, 0n, this.lastBudgetBig, this.stackBottomBig, count);
        left -= count - (ctx.exitRequested ? (jp.repeatLeft.value as number) : 0);
        if (left <= 0) return { r0: ctx.exitRequested ? ctx.exitValue : u64(r0), insns: budget - jp.budgetLeft() };
        ctx.exitRequested = false;
        if (ctx.redirects.length !== 0) ctx.redirects.length = 0;
      }
    } finally {
      this.ctx = null;
      this.active = null;
      ctx.invoker = null;
    }
  }

  private instantiate(program: DecodedProgram): JitProgram {
    const started = performance.now();
    const compiled = compileToWasm(program, { lowering: this.lowering, mapLookup: (index) => this.lookupPlan(index) });
    const module = new WebAssembly.Module(compiled.bytes);
    const maps = this.maps;
    const imports: Record<string, WebAssembly.ImportValue> = {
      [JIT_IMPORT.memory]: this.mem.memory,
      [JIT_IMPORT.fault]: (pc: number, address: bigint, size: number, write: number, budgetLeft: bigint) => {
        if (budgetLeft < 0n) throw this.budgetError(pc);
        const a = u64(address);
        const fault = this.mem.fault(Number(a & 0xffffffffn) | 0, Number(a >> 32n) | 0, size, write ? PERM_WRITE : PERM_READ);
        fault.pc = pc;
        throw fault;
      },
      [JIT_IMPORT.budget]: (pc: number) => {
        throw this.budgetError(pc);
      },
      [JIT_IMPORT.callDepth]: (pc: number) => {
        throw new VmError('ECALLDEPTH', `call exceeds ${MAX_CALL_FRAMES} frames`, pc);
      },
      [JIT_IMPORT.callDynamic]: (pc: number, id: bigint, isCallx: number, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => {
        const uid = u64(id);
        const helper = uid <= 0xffffffffn ? this.helpers.get(Number(uid)) : undefined;
        if (!helper) {
          throw isCallx
            ? new VmError('EHELPER', `callx to unknown helper 0x${uid.toString(16)}`, pc)
            : new VmError('EHELPER', `call to unknown helper #${uid}`, pc);
        }
        return this.callHelper(helper.fn, r1, r2, r3, r4, r5);
      },
      [JIT_IMPORT.tailCall]: (pc: number) => this.runTailCall(pc),
      [JIT_IMPORT.mapLookup]: (index: number, key: number) => maps[index].programLookupAt(this.mem.u8, key, this.ctx!.cpu),
      [JIT_IMPORT.loadPacket]: (_pc: number, offset: bigint, size: number) => this.loadPacket(Number(offset), size),
    };
    program.helperFns.forEach((helper, i) => {
      const fn = helper.fn;
      imports[`${JIT_IMPORT.helperPrefix}${i}`] = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => this.callHelper(fn, r1, r2, r3, r4, r5);
    });
    const instance = new WebAssembly.Instance(module, { [JIT_IMPORT.module]: imports });
    const ex = instance.exports;
    const functions = new Map<number, BpfFunction>();
    for (const entry of compiled.functionEntries) functions.set(entry, ex[`${JIT_EXPORT.functionPrefix}${entry}`] as BpfFunction);
    return {
      program,
      entry: functions.get(0)!,
      run: ex[JIT_EXPORT.run] as RunFunction,
      budgetLeft: ex[JIT_EXPORT.budgetLeft] as () => number,
      functions,
      budget: ex[JIT_EXPORT.budget] as WebAssembly.Global,
      stop: ex[JIT_EXPORT.stop] as WebAssembly.Global,
      pc: ex[JIT_EXPORT.pc] as WebAssembly.Global,
      fp: ex[JIT_EXPORT.framePointer] as WebAssembly.Global,
      stackLimit: ex[JIT_EXPORT.stackLimit] as WebAssembly.Global,
      repeatLeft: ex[JIT_EXPORT.repeatLeft] as WebAssembly.Global,
      repeatInWasm: !program.helperFns.some((h) => REPEAT_FROM_HOST_HELPERS.has(h.id)) && !program.instructions.some((insn, pc) => insn.opcode === 0x8d || (insn.opcode === 0x85 && insn.src === 0 && program.aux[pc] < 0)),
      loweringUsed: compiled.loweringUsed,
      compileMs: performance.now() - started,
    };
  }

  private get maps(): readonly VmMap[] {
    return typeof this.mapSource === 'function' ? this.mapSource() : this.mapSource;
  }

  private lookupPlan(index: number): MapLookupPlan | undefined {
    const map = this.maps[index];
    if (!map) return undefined;
    if (map instanceof ArrayMap && map.type === BpfMapType.ARRAY) {
      const base = map.valueAddress(0);
      return { kind: 'array', base, stride: map.valueAddress(1) - base, maxEntries: map.spec.maxEntries };
    }
    const inline = map instanceof HashMap ? map.inlineLookup : undefined;
    // Whole 32-bit words only, and unrolled: keys up to 64 bytes.
    if (inline && inline.keySize % 4 === 0 && inline.keySize <= 64) return { kind: 'hash', index: inline, valuesBase: inline.valuesBase, valueStride: inline.valueStride };
    return { kind: 'host', keySize: map.spec.keySize };
  }

  private budgetError(pc: number): VmError {
    return new VmError('EBUDGET', 'instruction budget exhausted (runaway loop?)', pc);
  }

  /** Calls a helper with the current context and turns its control requests into the `stop` global. */
  private callHelper(fn: HelperFn, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint {
    const ctx = this.ctx!;
    const jp = this.active!;
    let r0: bigint;
    try {
      r0 = fn(ctx, u64(r1), u64(r2), u64(r3), u64(r4), u64(r5));
    } catch (error) {
      throw this.placeError(error, jp.pc.value as number);
    }
    if (ctx.exitRequested) {
      jp.stop.value = STOP_EXIT;
    } else if (ctx.tailCallTarget !== null) {
      const target = ctx.tailCallTarget;
      ctx.tailCallTarget = null;
      if (this.tailCalls < MAX_TAIL_CALLS && target instanceof DecodedProgram) {
        this.tailCalls++;
        this.pending = { target, args: [r1, r2, r3, r4, r5], fp: jp.fp.value as bigint };
        jp.stop.value = STOP_TAIL_CALL;
      }
    }
    return r0;
  }

  /** Gives a fault or error raised inside a helper the instruction index of the call. */
  private placeError(error: unknown, pc: number): unknown {
    if (error instanceof VmFault && error.pc < 0) error.pc = pc;
    if (error instanceof VmError && error.pc < 0) return new VmError(error.code, error.message, pc);
    return error;
  }

  /** Runs the pending tail call's target in the frame of the caller and returns its r0. */
  private runTailCall(pc: number): bigint {
    const caller = this.active!;
    const pending = this.pending;
    this.pending = null;
    caller.stop.value = STOP_NONE;
    if (!pending) throw new VmError('EHELPER_FAULT', 'tail call without a target', pc);
    const target = this.compile(pending.target);
    if (typeof target === 'string') throw new VmError('EINVAL', `tail call target ${pending.target.name} could not be compiled: ${target}`, pc);
    target.budget.value = caller.budget.value;
    target.stop.value = STOP_NONE;
    target.stackLimit.value = caller.stackLimit.value;
    this.active = target;
    try {
      const [r1, r2, r3, r4, r5] = pending.args;
      return target.entry(r1, r2, r3, r4, r5, pending.fp, 0n, 0n, 0n, 0n, 0n);
    } finally {
      this.active = caller;
      caller.budget.value = target.budget.value;
      if (target.stop.value === STOP_EXIT) caller.stop.value = STOP_EXIT;
    }
  }

  /** A helper callback (`bpf_loop`, `for_each_map_elem`): a BPF function of the active program in a new frame. */
  private invoke(ptr: bigint, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint {
    const jp = this.active!;
    const entry = decodeFuncPointer(ptr);
    const fn = entry >= 0 ? jp.functions.get(entry) : undefined;
    if (!fn) throw new VmError('EHELPER_FAULT', `callback 0x${ptr.toString(16)} is not a function of ${jp.program.name}`);
    const savedFp = jp.fp.value as bigint;
    const savedPc = jp.pc.value as number;
    const fp = savedFp - BigInt(STACK_FRAME_SIZE);
    if (fp - BigInt(STACK_FRAME_SIZE) < BigInt(this.stackBottom)) throw new VmError('ECALLDEPTH', `callback exceeds ${MAX_CALL_FRAMES} frames`);
    try {
      return u64(fn(u64(r1), u64(r2), u64(r3), u64(r4), u64(r5), fp, 0n, 0n, 0n, 0n, 0n));
    } finally {
      jp.fp.value = savedFp;
      jp.pc.value = savedPc;
    }
  }

  /** LD_ABS / LD_IND: a big-endian read of the skb data; out of range ends the program with r0 = 0. */
  private loadPacket(offset: number, size: number): bigint {
    if (offset < 0 || offset + size > this.skbLength) {
      this.ctx!.requestExit(0n);
      this.active!.stop.value = STOP_EXIT;
      return 0n;
    }
    const view = this.mem.view;
    const a = this.skbAddress + offset;
    return BigInt(size === 4 ? view.getUint32(a, false) : size === 2 ? view.getUint16(a, false) : view.getUint8(a));
  }
}
