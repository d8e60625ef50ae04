import type { Instruction } from '@bpfleet/isa';
import type { DecodedProgram } from '../interpreter/program.js';
import { VmError } from '../memory/fault.js';
import {
  MAX_MEMORY_BYTES,
  PAGE_SHIFT,
  PAGE_TABLE_BASE,
  PERM_READ,
  PERM_WRITE,
  REGION_END,
  REGION_PERMS,
  REGION_START,
  REGION_TABLE_BASE,
  REGION_WORDS,
  STACK_FRAME_SIZE,
} from '../memory/layout.js';
import { decodeMapPointer } from '../helpers/types.js';
import { FINAL_MIX, HASH_INDEX_MULTIPLIER, type HashIndexLayout } from '../maps/hash-index.js';
import { planAccessChecks, writesRegister, type AccessPlan } from './access-plan.js';
import { buildCfg, jumpTarget, lastInsn, type FunctionCfg } from './cfg.js';
import { structure, type Construct, type Edge } from './structure.js';
import { CodeWriter, ModuleBuilder, Op, ValType, type FuncType } from './wasm/index.js';

/** How jumps are lowered: structured blocks/loops (falls back to dispatch when irreducible) or always a dispatch loop. */
export type Lowering = 'structured' | 'dispatch';

/**
 * How `bpf_map_lookup_elem` on a map known at compile time may skip the generic helper: an array's
 * lookup computed in Wasm, or any map's lookup through a host import that takes and returns plain
 * 32-bit addresses (no BigInt conversions).
 */
export type MapLookupPlan =
  | { readonly kind: 'array'; readonly base: number; readonly stride: number; readonly maxEntries: number }
  | { readonly kind: 'hash'; readonly index: HashIndexLayout; readonly valuesBase: number; readonly valueStride: number }
  | { readonly kind: 'host'; readonly keySize: number };

export interface CompileOptions {
  readonly lowering?: Lowering;
  /** Lookup plan for map `index` (from `lddw r1, map`), or undefined to call the helper. */
  readonly mapLookup?: (index: number) => MapLookupPlan | undefined;
}

/** Names of the module's imports (module `vm`) and exports; the engine binds them. */
export const JIT_IMPORT = {
  module: 'vm',
  memory: 'memory',
  /** (pc i32, address i64, size i32, write i32, budgetLeft i64) -> never returns */
  fault: 'fault',
  /** (pc i32) -> never returns: the instruction budget ran out */
  budget: 'budget',
  /** (pc i32) -> never returns: too many nested bpf-to-bpf calls */
  callDepth: 'call_depth',
  /** (pc i32, id i64, isCallx i32, r1..r5 i64) -> i64: `callx` and helpers bound at run time */
  callDynamic: 'call_dynamic',
  /** (pc i32) -> i64: runs the pending tail call target, returns its r0 */
  tailCall: 'tail_call',
  /** (pc i32, offset i64, size i32) -> i64: LD_ABS / LD_IND */
  loadPacket: 'load_packet',
  /** `helper<index>`: (r1..r5 i64) -> i64 for DecodedProgram.helperFns[index] */
  helperPrefix: 'helper',
  /** (map index i32, key address i32) -> value address i32 or 0: `bpf_map_lookup_elem` on a known map */
  mapLookup: 'map_lookup',
} as const;

export const JIT_EXPORT = {
  /** Mutable i64: instructions left. */
  budget: 'budget',
  /** Mutable i32: STOP_EXIT once a helper asked to end the program, STOP_TAIL_CALL for a pending tail call. */
  stop: 'stop',
  /** Mutable i32: instruction index of the last helper call (to place faults raised inside helpers). */
  pc: 'pc',
  /** Mutable i64: r10 of the innermost frame at the last helper call (for callbacks). */
  framePointer: 'fp',
  /** Mutable i64: the lowest r10 a frame may have. */
  stackLimit: 'stack_limit',
  /** `f<entry>`: the BPF function starting at instruction `entry`, (r1..r5, r10, r0, r6..r9 i64) -> r0 i64. */
  functionPrefix: 'f',
  /**
   * (r1..r5, r10, r0, r6..r9, budget, stackLimit i64, count i32) -> r0 i64 of the last run: a copy
   * of the entry function with the repeat loop inside it, so runs cost no host round trip and no
   * call, and the region cache carries over from one run to the next.
   */
  run: 'run',
  /** Mutable i32: runs of a repeated `run` not done because one stopped early. */
  repeatLeft: 'repeat_left',
  /** () -> f64: the budget left after the last run. */
  budgetLeft: 'budget_left',
} as const;

/** Values of the `stop` global. */
export const STOP_NONE = 0;
export const STOP_EXIT = 1;
export const STOP_TAIL_CALL = 2;

/** What the compiler produced: the module bytes and facts the engine needs. */
export interface CompiledModule {
  readonly bytes: Uint8Array;
  /** Entries of all BPF functions (index 0 is the program's entry, instruction 0). */
  readonly functionEntries: readonly number[];
  /** How many helper imports (`helper0`..) the module has. */
  readonly helperCount: number;
  /** Which lowering each function got, for diagnostics and benchmarks. */
  readonly loweringUsed: readonly Lowering[];
}

const I64 = ValType.I64;
const I32 = ValType.I32;
/**
 * A BPF function: (r1..r5, r10, r0, r6..r9) -> r0. A callee starts with the caller's r0 and r6..r9
 * (a verified program never reads them, but the interpreter shares one register file, and both
 * engines must agree on any program); the callee's own changes to them stay in its frame.
 */
const FUNC_TYPE: FuncType = { params: [I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64], results: [I64] };
/** `run`: FUNC_TYPE's registers, then budget, stack limit (i64) and the repeat count (i32). */
const RUN_TYPE: FuncType = { params: [...FUNC_TYPE.params, I64, I64, I32], results: [I64] };
const RUN_PARAM = { budget: 11, stackLimit: 12, count: 13 } as const;
const HELPER_TYPE: FuncType = { params: [I64, I64, I64, I64, I64], results: [I64] };

/** Register -> Wasm parameter: r1..r5 and r10 are 0..5, r0 is 6, r6..r9 are 7..10. */
const REG_LOCAL = [6, 0, 1, 2, 3, 4, 7, 8, 9, 10, 5];

interface ModuleContext {
  readonly insns: readonly Instruction[];
  readonly program: DecodedProgram;
  readonly funcIndexOf: Map<number, number>;
  readonly options: CompileOptions;
  readonly imp: {
    fault: number;
    budget: number;
    callDepth: number;
    callDynamic: number;
    tailCall: number;
    mapLookup: number;
    loadPacket: number;
    helperBase: number;
  };
  readonly glob: { budget: number; stop: number; pc: number; fp: number; stackLimit: number; repeatLeft: number; args: readonly number[] };
  /** Memory check plans per function (the entry function is emitted twice: `f0` and `run`). */
  readonly accessPlans: Map<FunctionCfg, AccessPlan>;
}

/**
 * Compiles a decoded (validated, linked) program to one WebAssembly module: one Wasm function per
 * BPF function, registers as i64 locals, every memory access checked in Wasm against the page and
 * region tables of the shared address space. Throws `VmError` for anything it cannot compile.
 */
export function compileToWasm(program: DecodedProgram, options: CompileOptions = {}): CompiledModule {
  const insns = program.instructions;
  const cfgs = buildCfg(insns);
  for (const cfg of cfgs) {
    // The interpreter runs on into whatever follows (the next function, or a past-the-end error);
    // a Wasm function cannot, so such a program runs in the interpreter.
    const last = lastInsn(insns, cfg.blocks[cfg.blocks.length - 1]);
    const op = insns[last].opcode;
    if (op !== 0x95 && op !== 0x05 && op !== 0x06) throw new VmError('EJUMP', `function at ${cfg.entry} can run past its last instruction`, last);
  }
  const m = new ModuleBuilder();
  const imp = {
    fault: m.importFunction(JIT_IMPORT.module, JIT_IMPORT.fault, { params: [I32, I64, I32, I32, I64], results: [] }),
    budget: m.importFunction(JIT_IMPORT.module, JIT_IMPORT.budget, { params: [I32], results: [] }),
    callDepth: m.importFunction(JIT_IMPORT.module, JIT_IMPORT.callDepth, { params: [I32], results: [] }),
    callDynamic: m.importFunction(JIT_IMPORT.module, JIT_IMPORT.callDynamic, { params: [I32, I64, I32, I64, I64, I64, I64, I64], results: [I64] }),
    tailCall: m.importFunction(JIT_IMPORT.module, JIT_IMPORT.tailCall, { params: [I32], results: [I64] }),
    mapLookup: m.importFunction(JIT_IMPORT.module, JIT_IMPORT.mapLookup, { params: [I32, I32], results: [I32] }),
    loadPacket: m.importFunction(JIT_IMPORT.module, JIT_IMPORT.loadPacket, { params: [I32, I64, I32], results: [I64] }),
    helperBase: -1,
  };
  for (let i = 0; i < program.helperFns.length; i++) {
    const index = m.importFunction(JIT_IMPORT.module, `${JIT_IMPORT.helperPrefix}${i}`, HELPER_TYPE);
    if (i === 0) imp.helperBase = index;
  }
  m.importMemory(JIT_IMPORT.module, JIT_IMPORT.memory, 1);
  const glob = {
    budget: m.addGlobal(I64, true, 0n),
    stop: m.addGlobal(I32, true, 0),
    pc: m.addGlobal(I32, true, 0),
    fp: m.addGlobal(I64, true, 0n),
    stackLimit: m.addGlobal(I64, true, 0n),
    repeatLeft: m.addGlobal(I32, true, 0),
    // r1..r5 as a callee leaves them: eBPF's argument registers are caller-saved, not restored, so
    // after a bpf-to-bpf call the caller sees the callee's values (as in the interpreter).
    args: [1, 2, 3, 4, 5].map(() => m.addGlobal(I64, true, 0n)),
  };
  m.exportGlobal(JIT_EXPORT.repeatLeft, glob.repeatLeft);
  m.exportGlobal(JIT_EXPORT.budget, glob.budget);
  m.exportGlobal(JIT_EXPORT.stop, glob.stop);
  m.exportGlobal(JIT_EXPORT.pc, glob.pc);
  m.exportGlobal(JIT_EXPORT.framePointer, glob.fp);
  m.exportGlobal(JIT_EXPORT.stackLimit, glob.stackLimit);

  const funcIndexOf = new Map<number, number>();
  const writers = cfgs.map((cfg) => {
    const { index, code } = m.addFunction(FUNC_TYPE);
    funcIndexOf.set(cfg.entry, index);
    m.exportFunction(`${JIT_EXPORT.functionPrefix}${cfg.entry}`, index);
    return code;
  });
  const run = m.addFunction(RUN_TYPE);
  m.exportFunction(JIT_EXPORT.run, run.index);
  emitBudgetLeft(m, glob);
  const ctx: ModuleContext = { insns, program, funcIndexOf, options, imp, glob, accessPlans: new Map() };
  const loweringUsed = cfgs.map((cfg, i) => new FunctionCompiler(ctx, cfg, writers[i]).compile(options.lowering ?? 'structured'));
  new FunctionCompiler(ctx, cfgs[cfgs.findIndex((c) => c.entry === 0)], run.code, true).compile(options.lowering ?? 'structured');
  return {
    bytes: m.encode(),
    functionEntries: cfgs.map((c) => c.entry),
    helperCount: program.helperFns.length,
    loweringUsed,
  };
}

/** `budget_left`: () -> f64, the budget left after the last run. */
function emitBudgetLeft(m: ModuleBuilder, glob: ModuleContext['glob']): void {
  const left = m.addFunction({ params: [], results: [ValType.F64] });
  left.code.globalGet(glob.budget).op(Op.F64_CONVERT_I64_S);
  m.exportFunction(JIT_EXPORT.budgetLeft, left.index);
}

/** Emits one BPF function. */
class FunctionCompiler {
  private readonly tmp: number;
  private readonly tmp2: number;
  private readonly bud: number;
  /** Checked linear address of the current access. */
  private readonly addr: number;
  /** Region table entry offset of the current access. */
  private readonly entry: number;
  /** Dispatch lowering: the next block to run. */
  private readonly next: number;
  /** i32 scratch for 32-bit division and byte swaps. */
  private readonly x32: number;
  private readonly y32: number;
  /** Open constructs, innermost last (structured lowering). */
  private readonly stack: Construct[] = [];
  private dispatch = false;
  /** Current block index (dispatch lowering: depth of the dispatch loop is blocks - 1 - index). */
  private blockIndex = 0;
  private readonly loopHeaders = new Set<number>();
  /** Which accesses share one range check, and which are proven inside the stack frame (see planAccessChecks). */
  private readonly accessPlan: AccessPlan;
  /** Per base register: an i32 local holding "the range check of the group based on it passed". */
  private readonly groupOk: number[] = [];
  /**
   * The last two regions a check passed, per permission (index PERM_READ, PERM_WRITE, both): i64
   * locals with start and length, so an access inside one is `t - start < len && t - start + size <= len`
   * (no wrap: len < 2^26) and no table lookup. Regions only move or change inside host calls, so
   * every call forgets them (len = 0 never passes; locals start at 0).
   */
  private readonly cacheStart: number[] = [];
  private readonly cacheLen: number[] = [];
  /** The region cached before the last one, per permission (a loop touching two regions hits both). */
  private readonly cacheStart2: number[] = [];
  private readonly cacheLen2: number[] = [];
  /** Run mode: the depth of the block around one run's body, which `exit` leaves (instead of returning). */
  private runBodyDepth = -1;

  /**
   * `runLoop`: emit the entry function as `run` (RUN_TYPE): the body inside the repeat loop, where
   * returning means ending this run. Regions only move inside host calls, which forget the cache,
   * so the cached regions stay valid from one run to the next.
   */
  constructor(
    private readonly ctx: ModuleContext,
    private readonly cfg: FunctionCfg,
    private readonly w: CodeWriter,
    private readonly runLoop = false,
  ) {
    let plan = ctx.accessPlans.get(cfg);
    if (!plan) {
      plan = planAccessChecks(ctx.insns, cfg);
      ctx.accessPlans.set(cfg, plan);
    }
    this.accessPlan = plan;
    this.tmp = w.addLocal(I64);
    this.tmp2 = w.addLocal(I64);
    this.bud = w.addLocal(I64);
    this.addr = w.addLocal(I32);
    this.entry = w.addLocal(I32);
    this.next = w.addLocal(I32);
    this.x32 = w.addLocal(I32);
    this.y32 = w.addLocal(I32);
    for (const perm of [PERM_READ, PERM_WRITE, PERM_READ | PERM_WRITE]) {
      this.cacheStart[perm] = w.addLocal(I64);
      this.cacheLen[perm] = w.addLocal(I64);
      this.cacheStart2[perm] = w.addLocal(I64);
      this.cacheLen2[perm] = w.addLocal(I64);
    }
  }

  /** After a host call (regions may have moved: xdp_adjust_head, ...): no cached region holds. */
  private forgetRegions(): void {
    for (const perm of [PERM_READ, PERM_WRITE, PERM_READ | PERM_WRITE]) {
      this.w.i64Const(0).localSet(this.cacheLen[perm]);
      this.w.i64Const(0).localSet(this.cacheLen2[perm]);
    }
  }

  /** Pushes i32 1 when [t, t + size) lies inside the region cached for `perm` (t in the `tmp` local). */
  private emitCacheHit(perm: number, size: number, second = false): void {
    const w = this.w;
    const len = (second ? this.cacheLen2 : this.cacheLen)[perm];
    w.localGet(this.tmp).localGet((second ? this.cacheStart2 : this.cacheStart)[perm]).op(Op.I64_SUB).localTee(this.tmp2).localGet(len).op(Op.I64_LT_U);
    w.localGet(this.tmp2).i64Const(size).op(Op.I64_ADD).localGet(len).op(Op.I64_LE_U).op(Op.I32_AND);
  }

  /** Caches the region of the region table entry in the `entry` local for `perm` (the previous one moves second). */
  private emitCacheFill(perm: number): void {
    const w = this.w;
    const e = this.entry;
    w.localGet(this.cacheStart[perm]).localSet(this.cacheStart2[perm]);
    w.localGet(this.cacheLen[perm]).localSet(this.cacheLen2[perm]);
    w.localGet(e).mem(Op.I64_LOAD32_U, 2, REGION_TABLE_BASE + REGION_START * 4).localSet(this.cacheStart[perm]);
    w.localGet(e).mem(Op.I32_LOAD, 2, REGION_TABLE_BASE + REGION_END * 4).localGet(e).mem(Op.I32_LOAD, 2, REGION_TABLE_BASE + REGION_START * 4).op(Op.I32_SUB);
    w.op(Op.I64_EXTEND_I32_U).localSet(this.cacheLen[perm]);
  }

  compile(lowering: Lowering): Lowering {
    const { blocks } = this.cfg;
    const edges: Edge[] = [];
    for (let b = 0; b < blocks.length; b++) {
      const last = lastInsn(this.ctx.insns, blocks[b]);
      const target = jumpTarget(this.ctx.insns[last], last);
      if (target >= 0) {
        const to = this.blockOf(target, last);
        if (to !== b + 1 || to <= b) edges.push({ from: b, to });
      }
    }
    for (const e of edges) if (e.to <= e.from) this.loopHeaders.add(e.to);
    const constructs = lowering === 'structured' ? structure(blocks.length, edges) : null;

    if (this.runLoop) this.openRunLoop();
    else this.w.globalGet(this.ctx.glob.budget).localSet(this.bud);
    if (constructs) this.emitStructured(constructs);
    else this.emitDispatch();
    // Verified code never falls off the end of a function.
    this.w.op(Op.UNREACHABLE);
    if (this.runLoop) this.closeRunLoop();
    return constructs ? 'structured' : 'dispatch';
  }

  /**
   * block $done { loop $next { reset stop, budget and registers; block $run { body } ... } }: the
   * same state a fresh call of the entry function starts from (r1..r5 and r10 as passed, r0 and
   * r6..r9 as passed, i.e. 0 from the host).
   */
  private openRunLoop(): void {
    const w = this.w;
    const saved = FUNC_TYPE.params.map(() => w.addLocal(I64));
    w.localGet(RUN_PARAM.stackLimit).globalSet(this.ctx.glob.stackLimit);
    for (let i = 0; i < saved.length; i++) w.localGet(i).localSet(saved[i]);
    w.block().loop();
    w.i32Const(STOP_NONE).globalSet(this.ctx.glob.stop);
    w.localGet(RUN_PARAM.budget).localSet(this.bud);
    for (let i = 0; i < saved.length; i++) w.localGet(saved[i]).localSet(i);
    w.block();
    this.runBodyDepth = w.depth;
  }

  /** After one run: count it; stop on a stop request (runs not done go to `repeat_left`) or when all are done. */
  private closeRunLoop(): void {
    const w = this.w;
    const count = RUN_PARAM.count;
    w.end();
    w.localGet(count).i32Const(1).op(Op.I32_SUB).localSet(count);
    w.globalGet(this.ctx.glob.stop).brIf(1);
    w.localGet(count).i32Const(0).op(Op.I32_GT_S).brIf(0);
    w.end().end();
    w.localGet(count).globalSet(this.ctx.glob.repeatLeft);
    this.get(0);
  }

  /** Ends the function with r0: a return, or in run mode the end of this run. */
  private emitReturn(): void {
    if (this.runLoop) this.w.br(this.w.depth - this.runBodyDepth);
    else this.get(0).w.op(Op.RETURN);
  }

  private blockOf(target: number, pc: number): number {
    const b = this.cfg.blockAt.get(target);
    if (b === undefined) throw new VmError('EJUMP', `jump target ${target} is not a block start`, pc);
    return b;
  }

  private emitStructured(constructs: Construct[]): void {
    const { blocks } = this.cfg;
    const opening = new Map<number, Construct[]>();
    for (const c of constructs) {
      const list = opening.get(c.start) ?? [];
      list.push(c);
      opening.set(c.start, list);
    }
    for (const list of opening.values()) list.sort((a, b) => b.end - a.end || (a.kind === 'block' ? -1 : 1));
    for (let p = 0; p <= blocks.length; p++) {
      while (this.stack.length > 0 && this.stack[this.stack.length - 1].end === p) {
        this.stack.pop();
        this.w.end();
      }
      if (this.stack.some((c) => c.end === p)) throw new VmError('EJUMP', 'control flow nesting failed', blocks[Math.min(p, blocks.length - 1)].start);
      if (p === blocks.length) break;
      for (const c of opening.get(p) ?? []) {
        if (c.kind === 'block') this.w.block();
        else this.w.loop();
        this.stack.push(c);
      }
      this.blockIndex = p;
      this.emitBlock(p);
    }
  }

  private emitDispatch(): void {
    const n = this.cfg.blocks.length;
    this.dispatch = true;
    this.w.i32Const(0).localSet(this.next);
    this.w.loop();
    for (let i = 0; i < n; i++) this.w.block();
    this.w.localGet(this.next).brTable(
      Array.from({ length: n }, (_, i) => i),
      n - 1,
    );
    for (let b = 0; b < n; b++) {
      this.w.end();
      this.blockIndex = b;
      this.emitBlock(b);
    }
    this.w.end(); // loop
  }

  /** Emits a jump to block `to` (from the block being emitted; `this.stack` holds any `if` opened since). */
  private emitBranch(to: number): void {
    if (this.dispatch) {
      this.w.i32Const(to).localSet(this.next).br(this.cfg.blocks.length - 1 - this.blockIndex + this.stack.length);
      return;
    }
    const kind = to > this.blockIndex ? 'block' : 'loop';
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const c = this.stack[i];
      if (c.kind === kind && c.target === to) {
        this.w.br(this.stack.length - 1 - i);
        return;
      }
    }
    throw new VmError('EJUMP', `no construct for the jump to block ${to}`, this.cfg.blocks[this.blockIndex].start);
  }

  private emitBlock(b: number): void {
    const { start, end } = this.cfg.blocks[b];
    const insns = this.ctx.insns;
    let count = 0;
    for (let pc = start; pc < end; pc++) {
      count++;
      if (insns[pc].opcode === 0x18) pc++;
    }
    this.w.localGet(this.bud).i64Const(count).op(Op.I64_SUB).localSet(this.bud);
    if (this.loopHeaders.has(b)) this.emitBudgetCheck(start);
    for (let pc = start; pc < end; pc++) {
      this.emitInsn(insns[pc], pc, end);
      if (insns[pc].opcode === 0x18) pc++;
    }
  }

  private emitBudgetCheck(pc: number): void {
    this.w.localGet(this.bud).i64Const(0).op(Op.I64_LT_S).if().i32Const(pc).call(this.ctx.imp.budget).op(Op.UNREACHABLE).end();
  }

  private get(reg: number): this {
    this.w.localGet(REG_LOCAL[reg]);
    return this;
  }

  private set(reg: number): this {
    this.w.localSet(REG_LOCAL[reg]);
    return this;
  }

  private emitInsn(insn: Instruction, pc: number, blockEnd: number): void {
    const op = insn.opcode;
    switch (op & 0x07) {
      case 0x04:
        return this.emitAlu32(insn, pc);
      case 0x07:
        return this.emitAlu64(insn, pc);
      case 0x05:
      case 0x06:
        return this.emitJump(insn, pc);
      case 0x01:
        return this.emitLoad(insn, pc, blockEnd);
      case 0x02:
      case 0x03:
        return this.emitStore(insn, pc, blockEnd);
      case 0x00:
        if (op === 0x18) return this.emitLddw(pc);
        return this.emitPacketLoad(insn, pc);
    }
  }

  // ---- ALU ----

  /** Pushes the second operand as i64: src register or sign-extended imm. */
  private operand64(insn: Instruction): void {
    if (insn.opcode & 0x08) this.get(insn.src);
    else this.w.i64Const(insn.imm);
  }

  private operand32(insn: Instruction): void {
    if (insn.opcode & 0x08) this.get(insn.src).w.op(Op.I32_WRAP_I64);
    else this.w.i32Const(insn.imm);
  }

  private emitAlu64(insn: Instruction, pc: number): void {
    const d = insn.dst;
    const aluOp = insn.opcode & 0xf0;
    const w = this.w;
    const wop = ALU64_OPS[aluOp];
    if (wop !== undefined) {
      this.get(d);
      this.operand64(insn);
      w.op(wop);
      this.set(d);
      return;
    }
    switch (aluOp) {
      case 0x80: // neg
        w.i64Const(0);
        this.get(d);
        w.op(Op.I64_SUB);
        this.set(d);
        return;
      case 0xb0: // mov, movsx
        this.operand64(insn);
        if (insn.offset === 8) w.op(Op.I64_EXTEND8_S);
        else if (insn.offset === 16) w.op(Op.I64_EXTEND16_S);
        else if (insn.offset === 32) w.op(Op.I64_EXTEND32_S);
        this.set(d);
        return;
      case 0x30:
      case 0x90:
        return this.emitDivMod64(insn);
      case 0xd0: // bswap (ALU64 | END)
        this.get(d);
        this.emitSwap(insn.imm);
        this.set(d);
        return;
    }
    throw new VmError('EINVAL_INSN', `invalid ALU64 opcode 0x${insn.opcode.toString(16)}`, pc);
  }

  private emitAlu32(insn: Instruction, pc: number): void {
    const d = insn.dst;
    const aluOp = insn.opcode & 0xf0;
    const w = this.w;
    const wop = ALU32_OPS[aluOp];
    if (wop !== undefined) {
      this.get(d).w.op(Op.I32_WRAP_I64);
      this.operand32(insn);
      w.op(wop).op(Op.I64_EXTEND_I32_U);
      this.set(d);
      return;
    }
    switch (aluOp) {
      case 0x80:
        w.i32Const(0);
        this.get(d).w.op(Op.I32_WRAP_I64).op(Op.I32_SUB).op(Op.I64_EXTEND_I32_U);
        this.set(d);
        return;
      case 0xb0:
        this.operand32(insn);
        if (insn.offset === 8) w.op(Op.I32_EXTEND8_S);
        else if (insn.offset === 16) w.op(Op.I32_EXTEND16_S);
        w.op(Op.I64_EXTEND_I32_U);
        this.set(d);
        return;
      case 0x30:
      case 0x90:
        return this.emitDivMod32(insn);
      case 0xd0:
        this.get(d);
        if (insn.opcode & 0x08) this.emitSwap(insn.imm);
        else if (insn.imm === 16) w.i64Const(0xffff).op(Op.I64_AND);
        else if (insn.imm === 32) w.i64Const(0xffffffffn).op(Op.I64_AND);
        this.set(d);
        return;
    }
    throw new VmError('EINVAL_INSN', `invalid ALU opcode 0x${insn.opcode.toString(16)}`, pc);
  }

  /** Byte-swaps the i64 on the stack to `bits` wide, zero-extended. */
  private emitSwap(bits: number): void {
    const w = this.w;
    const t = this.tmp;
    if (bits === 16) {
      w.localTee(t).i64Const(0xff).op(Op.I64_AND).i64Const(8).op(Op.I64_SHL);
      w.localGet(t).i64Const(8).op(Op.I64_SHR_U).i64Const(0xff).op(Op.I64_AND).op(Op.I64_OR);
    } else if (bits === 32) {
      const x = this.x32;
      w.op(Op.I32_WRAP_I64).localSet(x);
      w.localGet(x).i32Const(0x00ff00ff).op(Op.I32_AND).i32Const(8).op(Op.I32_ROTR);
      w.localGet(x).i32Const(0xff00ff00 | 0).op(Op.I32_AND).i32Const(8).op(Op.I32_ROTL).op(Op.I32_OR).op(Op.I64_EXTEND_I32_U);
    } else {
      w.localTee(t).i64Const(0x00ff00ff00ff00ffn).op(Op.I64_AND).i64Const(8).op(Op.I64_SHL);
      w.localGet(t).i64Const(8).op(Op.I64_SHR_U).i64Const(0x00ff00ff00ff00ffn).op(Op.I64_AND).op(Op.I64_OR).localTee(t);
      w.i64Const(0x0000ffff0000ffffn).op(Op.I64_AND).i64Const(16).op(Op.I64_SHL);
      w.localGet(t).i64Const(16).op(Op.I64_SHR_U).i64Const(0x0000ffff0000ffffn).op(Op.I64_AND).op(Op.I64_OR);
      w.i64Const(32).op(Op.I64_ROTL);
    }
  }

  /** Division and modulo with the ISA's rules: x/0 = 0, x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0. */
  private emitDivMod64(insn: Instruction): void {
    const w = this.w;
    const d = insn.dst;
    const isDiv = (insn.opcode & 0xf0) === 0x30;
    const signed = insn.offset === 1;
    const fromReg = (insn.opcode & 0x08) !== 0;
    if (!fromReg) {
      const imm = insn.imm;
      if (imm === 0) {
        if (isDiv) w.i64Const(0).localSet(REG_LOCAL[d]);
        return;
      }
      if (imm === -1 && signed) {
        if (isDiv) w.i64Const(0).localGet(REG_LOCAL[d]).op(Op.I64_SUB).localSet(REG_LOCAL[d]);
        else w.i64Const(0).localSet(REG_LOCAL[d]);
        return;
      }
      this.get(d);
      w.i64Const(imm).op(isDiv ? (signed ? Op.I64_DIV_S : Op.I64_DIV_U) : signed ? Op.I64_REM_S : Op.I64_REM_U);
      this.set(d);
      return;
    }
    const s = REG_LOCAL[insn.src];
    w.localGet(s).localSet(this.tmp);
    w.localGet(this.tmp).op(Op.I64_EQZ).if(I64);
    if (isDiv) w.i64Const(0);
    else this.get(d);
    w.else();
    if (signed && isDiv) {
      // -1 would trap on INT_MIN; x / -1 is -x (wrapping).
      w.localGet(this.tmp).i64Const(-1).op(Op.I64_EQ).if(I64).i64Const(0);
      this.get(d);
      w.op(Op.I64_SUB).else();
      this.get(d);
      w.localGet(this.tmp).op(Op.I64_DIV_S).end();
    } else {
      this.get(d);
      w.localGet(this.tmp).op(isDiv ? Op.I64_DIV_U : signed ? Op.I64_REM_S : Op.I64_REM_U);
    }
    w.end();
    this.set(d);
  }

  private emitDivMod32(insn: Instruction): void {
    const w = this.w;
    const d = insn.dst;
    const isDiv = (insn.opcode & 0xf0) === 0x30;
    const signed = insn.offset === 1;
    const x = this.x32;
    const y = this.y32;
    this.get(d).w.op(Op.I32_WRAP_I64).localSet(x);
    this.operand32(insn);
    w.localSet(y);
    w.localGet(y).op(Op.I32_EQZ).if(I32);
    if (isDiv) w.i32Const(0);
    else w.localGet(x);
    w.else();
    if (signed && isDiv) {
      w.localGet(y).i32Const(-1).op(Op.I32_EQ).if(I32).i32Const(0).localGet(x).op(Op.I32_SUB).else();
      w.localGet(x).localGet(y).op(Op.I32_DIV_S).end();
    } else {
      w.localGet(x).localGet(y).op(isDiv ? Op.I32_DIV_U : signed ? Op.I32_REM_S : Op.I32_REM_U);
    }
    w.end().op(Op.I64_EXTEND_I32_U);
    this.set(d);
  }

  // ---- jumps, calls, exit ----

  private emitJump(insn: Instruction, pc: number): void {
    const op = insn.opcode;
    const w = this.w;
    if (op === 0x95) return this.emitExit(pc);
    if (op === 0x85) return this.emitCall(insn, pc);
    if (op === 0x8d) return this.emitCallx(insn, pc);
    const target = jumpTarget(insn, pc);
    const to = this.blockOf(target, pc);
    const fallthrough = to === this.blockIndex + 1 && to > this.blockIndex;
    const jop = op & 0xf0;
    if (jop === 0x00) {
      if (!fallthrough) this.emitBranch(to);
      return;
    }
    if (fallthrough) return; // both ways lead to the next block; the comparison has no effect
    const is32 = (op & 0x07) === 0x06;
    this.get(insn.dst);
    if (is32) w.op(Op.I32_WRAP_I64);
    if (is32) this.operand32(insn);
    else this.operand64(insn);
    if (jop === 0x40) {
      if (is32) w.op(Op.I32_AND);
      else w.op(Op.I64_AND).i64Const(0).op(Op.I64_NE);
    } else {
      const c = JMP64_CMP[jop];
      if (c === undefined) throw new VmError('EINVAL_INSN', `invalid jump opcode 0x${op.toString(16)}`, pc);
      // The i32 comparisons sit at a fixed distance below the i64 ones (eq 0x46 vs 0x51).
      w.op(is32 ? c - (Op.I64_EQ - Op.I32_EQ) : c);
    }
    if (to > this.blockIndex && !this.dispatch) {
      w.brIf(this.depthOf(to));
    } else {
      // Backward (or dispatch) jumps go through an `if`, which adds one nesting level.
      w.if();
      this.stack.push({ kind: 'block', start: -1, end: -1, target: -1 });
      this.emitBranch(to);
      this.stack.pop();
      w.end();
    }
  }

  private depthOf(to: number): number {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const c = this.stack[i];
      if (c.kind === 'block' && c.target === to) return this.stack.length - 1 - i;
    }
    throw new VmError('EJUMP', `no construct for the jump to block ${to}`, this.cfg.blocks[this.blockIndex].start);
  }

  private emitExit(pc: number): void {
    this.emitBudgetCheck(pc);
    this.w.localGet(this.bud).globalSet(this.ctx.glob.budget);
    // Only a bpf-to-bpf caller reads the callee's r1..r5; `run` has none.
    if (!this.runLoop) for (let r = 1; r <= 5; r++) this.get(r).w.globalSet(this.ctx.glob.args[r - 1]);
    this.emitReturn();
  }

  /** After a call: stop at once when a helper asked to (return value is ignored by the host). */
  private emitStopCheck(): void {
    this.w.globalGet(this.ctx.glob.stop).if();
    this.emitReturn();
    this.w.end();
  }

  private spillBudget(pc: number): void {
    this.emitBudgetCheck(pc);
    this.w.localGet(this.bud).globalSet(this.ctx.glob.budget);
  }

  private reloadBudget(): void {
    this.w.globalGet(this.ctx.glob.budget).localSet(this.bud);
  }

  private emitCall(insn: Instruction, pc: number): void {
    const w = this.w;
    const { imp, glob, program } = this.ctx;
    this.spillBudget(pc);
    if (insn.src === 1) {
      const target = pc + insn.imm + 1;
      const func = this.ctx.funcIndexOf.get(target);
      if (func === undefined) throw new VmError('EJUMP', `call target ${target} is not a function`, pc);
      // The callee's frame is the next 512 bytes down; refuse when that passes the stack's bottom.
      this.get(10);
      w.i64Const(STACK_FRAME_SIZE).op(Op.I64_SUB).localTee(this.tmp);
      w.i64Const(STACK_FRAME_SIZE).op(Op.I64_SUB).globalGet(glob.stackLimit).op(Op.I64_LT_S);
      w.if().i32Const(pc).call(imp.callDepth).op(Op.UNREACHABLE).end();
      for (let r = 1; r <= 5; r++) this.get(r);
      w.localGet(this.tmp);
      for (const r of [0, 6, 7, 8, 9]) this.get(r);
      w.call(func);
      this.forgetRegions();
      this.set(0);
      for (let r = 1; r <= 5; r++) this.w.globalGet(glob.args[r - 1]).localSet(REG_LOCAL[r]);
      this.reloadBudget();
      this.emitStopCheck();
      return;
    }
    if (this.emitKnownMapLookup(insn, pc)) return;
    this.get(10);
    w.globalSet(glob.fp).i32Const(pc).globalSet(glob.pc);
    const index = program.aux[pc];
    if (index >= 0) {
      for (let r = 1; r <= 5; r++) this.get(r);
      w.call(imp.helperBase + index);
    } else {
      // Bound at run time (conformance mode): the engine looks the id up in its helper table.
      w.i32Const(pc).i64Const(insn.imm >>> 0).i32Const(0);
      for (let r = 1; r <= 5; r++) this.get(r);
      w.call(imp.callDynamic);
    }
    this.forgetRegions();
    this.set(0);
    this.reloadBudget();
    this.emitHelperStopCheck(pc);
  }

  /**
   * `bpf_map_lookup_elem(map, key)` where r1 was loaded with a map in this block: the key is
   * checked like the helper reads it (same fault), then an array's value address is computed here,
   * other maps go through the `map_lookup` import. Returns false to call the helper instead.
   */
  private emitKnownMapLookup(insn: Instruction, pc: number): boolean {
    const { program, options, imp } = this.ctx;
    const index = program.aux[pc];
    if (insn.imm !== BPF_FUNC_MAP_LOOKUP_ELEM || index < 0 || program.helperFns[index].name !== 'map_lookup_elem' || !options.mapLookup) return false;
    const map = this.knownMapInR1(pc);
    const plan = map >= 0 ? options.mapLookup(map) : undefined;
    if (!plan) return false;
    const w = this.w;
    const keySize = plan.kind === 'array' ? 4 : plan.kind === 'hash' ? plan.index.keySize : plan.keySize;
    const stackKey = this.accessPlan.r2FrameOffsets.get(pc);
    if (stackKey !== undefined && stackKey >= -STACK_FRAME_SIZE && stackKey + keySize <= 0) {
      // r2 = r10 + k inside the frame: proven like an r10 access, no check.
      this.get(2);
      w.op(Op.I32_WRAP_I64).localSet(this.addr);
    } else {
      this.emitChecked(2, 0, keySize, PERM_READ, pc, pc + 1);
    }
    if (plan.kind === 'array') {
      w.localGet(this.addr).mem(Op.I32_LOAD, 0, 0).localTee(this.x32).i32Const(plan.maxEntries).op(Op.I32_LT_U);
      w.if(I64).localGet(this.x32).op(Op.I64_EXTEND_I32_U).i64Const(plan.stride).op(Op.I64_MUL).i64Const(plan.base).op(Op.I64_ADD);
      w.else().i64Const(0).end();
    } else if (plan.kind === 'hash') {
      this.emitHashProbe(plan.index, plan.valuesBase, plan.valueStride);
    } else {
      w.i32Const(map).localGet(this.addr).call(imp.mapLookup).op(Op.I64_EXTEND_I32_U);
      this.forgetRegions();
    }
    this.set(0);
    return true;
  }

  /**
   * Probes a hash map's key index (`HashIndex`) for the key at `addr`, leaving the value address
   * or 0 as an i64: the same hash as `keyHash`, linear probing until an empty bucket. Only for keys
   * whose size is a multiple of 4 (whole words; see `hashPlanFits`).
   */
  private emitHashProbe(index: HashIndexLayout, valuesBase: number, valueStride: number): void {
    const w = this.w;
    const words = index.keySize / 4;
    const h = this.x32;
    const slot = this.y32;
    for (let j = 0; j < words; j++) {
      if (j > 0) w.localGet(h).i32Const(5).op(Op.I32_ROTL);
      w.localGet(this.addr).mem(Op.I32_LOAD, 0, 4 * j);
      if (j > 0) w.op(Op.I32_XOR);
      w.i32Const(HASH_INDEX_MULTIPLIER | 0).op(Op.I32_MUL).localSet(h);
    }
    w.localGet(h).localGet(h).i32Const(16).op(Op.I32_SHR_U).op(Op.I32_XOR).i32Const(FINAL_MIX[0] | 0).op(Op.I32_MUL).localSet(h);
    w.localGet(h).localGet(h).i32Const(13).op(Op.I32_SHR_U).op(Op.I32_XOR).i32Const(FINAL_MIX[1] | 0).op(Op.I32_MUL).localSet(h);
    w.localGet(h).localGet(h).i32Const(16).op(Op.I32_SHR_U).op(Op.I32_XOR).i32Const(index.mask).op(Op.I32_AND).localSet(h);
    // h is now the bucket; slot is the bucket's entry - 1.
    w.block(I64).loop();
    w.localGet(h).i32Const(2).op(Op.I32_SHL).mem(Op.I32_LOAD, 2, index.tableBase).localTee(slot);
    w.op(Op.I32_EQZ).if().i64Const(0).br(2).end();
    w.localGet(slot).i32Const(1).op(Op.I32_SUB).localTee(slot);
    w.i32Const(index.keyStride).op(Op.I32_MUL).localSet(this.entry);
    for (let j = 0; j < words; j++) {
      w.localGet(this.entry).mem(Op.I32_LOAD, 2, index.keysBase + 4 * j);
      w.localGet(this.addr).mem(Op.I32_LOAD, 0, 4 * j).op(Op.I32_EQ);
      if (j > 0) w.op(Op.I32_AND);
    }
    w.if().localGet(slot).op(Op.I64_EXTEND_I32_U).i64Const(valueStride).op(Op.I64_MUL).i64Const(valuesBase).op(Op.I64_ADD).br(2).end();
    w.localGet(h).i32Const(1).op(Op.I32_ADD).i32Const(index.mask).op(Op.I32_AND).localSet(h);
    w.br(0);
    w.end().op(Op.UNREACHABLE).end();
  }

  /** The map index r1 holds at `pc` when an `lddw r1, map` in the same block set it last, else -1. */
  private knownMapInR1(pc: number): number {
    const { insns, program } = this.ctx;
    const start = this.cfg.blocks[this.blockIndex].start;
    let last = -1;
    for (let p = start; p < pc; p++) {
      const insn = insns[p];
      if (insn.opcode === 0x18) {
        if (insn.dst === 1) last = insn.src === 1 || insn.src === 5 ? p : -2;
        p++;
        continue;
      }
      if (writesRegister(insn, 1)) last = -2;
    }
    if (last < 0) return -1;
    const value = (BigInt(program.aux[last] >>> 0) << 32n) | BigInt(program.imm[last] >>> 0);
    return decodeMapPointer(value);
  }

  /** `callx`: the helper id is in a register (dst, or the register named by imm as older encoders wrote it). */
  private emitCallx(insn: Instruction, pc: number): void {
    const w = this.w;
    const reg = insn.dst !== 0 ? insn.dst : insn.imm;
    if (reg < 0 || reg > 10) throw new VmError('EINVAL_INSN', `callx through invalid register r${reg}`, pc);
    this.spillBudget(pc);
    this.get(10);
    w.globalSet(this.ctx.glob.fp).i32Const(pc).globalSet(this.ctx.glob.pc);
    w.i32Const(pc);
    this.get(reg);
    w.i32Const(1);
    for (let r = 1; r <= 5; r++) this.get(r);
    w.call(this.ctx.imp.callDynamic);
    this.forgetRegions();
    this.set(0);
    this.reloadBudget();
    this.emitHelperStopCheck(pc);
  }

  /**
   * After a helper: on STOP_EXIT return at once (every caller does the same); on STOP_TAIL_CALL run
   * the target through the host and return its r0 from this frame, as the kernel replaces the frame.
   */
  private emitHelperStopCheck(pc: number): void {
    const w = this.w;
    const stop = this.ctx.glob.stop;
    w.globalGet(stop).if();
    w.globalGet(stop).i32Const(STOP_TAIL_CALL).op(Op.I32_EQ).if();
    w.i32Const(pc).call(this.ctx.imp.tailCall);
    this.set(0);
    w.end();
    this.emitReturn();
    w.end();
  }

  // ---- memory ----

  /**
   * Computes base + offset, checks `size` bytes there against the page and region tables with
   * `perm`, and leaves the linear address in the `addr` local. A refused access calls the fault
   * import (which throws) with the budget left after this instruction, so the host can tell a
   * runaway program that also faults from a plain fault, as the interpreter would.
   */
  private emitChecked(base: number, offset: number, size: number, perm: number, pc: number, blockEnd: number): void {
    const w = this.w;
    const a = this.addr;
    if (this.accessPlan.inFrame.has(pc)) {
      // Proven at compile time: r10 is read-only and always the top of a 512-byte frame inside the
      // engine's read-write stack region, so [r10 - 512, r10) needs no run-time lookup.
      this.get(base);
      w.op(Op.I32_WRAP_I64).i32Const(offset).op(Op.I32_ADD).localSet(a);
      return;
    }
    const group = this.accessPlan.groups.get(pc);
    if (group) {
      const ok = this.groupOkLocal(group.base);
      if (group.first === pc) {
        this.emitRangeOk(group.base, group.lo, group.hi - group.lo, group.perm);
        w.localSet(ok);
      }
      // The group's whole range passed: this access is inside it. Otherwise check it alone (same fault).
      w.localGet(ok).if();
      this.get(base);
      w.op(Op.I32_WRAP_I64).i32Const(offset).op(Op.I32_ADD).localSet(a);
      w.else();
      this.emitFullCheck(base, offset, size, perm, pc, blockEnd);
      w.end();
      return;
    }
    this.emitFullCheck(base, offset, size, perm, pc, blockEnd);
  }

  /** Pushes i32 1 when [base + offset, + size) lies in one region that allows `perm`, else 0. */
  private emitRangeOk(base: number, offset: number, size: number, perm: number): void {
    const w = this.w;
    const t = this.tmp;
    const a = this.addr;
    const e = this.entry;
    this.get(base);
    if (offset !== 0) w.i64Const(offset).op(Op.I64_ADD);
    w.localSet(t);
    this.emitCacheHit(perm, size);
    w.if(I32).i32Const(1).else();
    this.emitCacheHit(perm, size, true);
    w.if(I32).i32Const(1).else();
    w.localGet(t).i64Const(MAX_MEMORY_BYTES).op(Op.I64_LT_U).if(I32);
    w.localGet(t).op(Op.I32_WRAP_I64).localTee(a);
    w.i32Const(PAGE_SHIFT).op(Op.I32_SHR_U).i32Const(1).op(Op.I32_SHL).mem(Op.I32_LOAD16_U, 1, PAGE_TABLE_BASE);
    w.i32Const(REGION_WORDS * 4).op(Op.I32_MUL).localTee(e);
    w.mem(Op.I32_LOAD, 2, REGION_TABLE_BASE + REGION_START * 4).localGet(a).op(Op.I32_LE_U);
    w.localGet(a).i32Const(size).op(Op.I32_ADD).localGet(e).mem(Op.I32_LOAD, 2, REGION_TABLE_BASE + REGION_END * 4).op(Op.I32_LE_U).op(Op.I32_AND);
    w.localGet(e).mem(Op.I32_LOAD, 2, REGION_TABLE_BASE + REGION_PERMS * 4).i32Const(perm).op(Op.I32_AND).i32Const(perm).op(Op.I32_EQ).op(Op.I32_AND);
    w.localTee(this.y32).if();
    this.emitCacheFill(perm);
    w.end().localGet(this.y32);
    w.else().i32Const(0).end();
    w.end();
    w.end();
  }

  private groupOkLocal(base: number): number {
    let local = this.groupOk[base];
    if (local === undefined) {
      local = this.w.addLocal(I32);
      this.groupOk[base] = local;
    }
    return local;
  }

  private emitFullCheck(base: number, offset: number, size: number, perm: number, pc: number, blockEnd: number): void {
    const w = this.w;
    const t = this.tmp;
    const a = this.addr;
    const e = this.entry;
    this.get(base);
    if (offset !== 0) w.i64Const(offset).op(Op.I64_ADD);
    w.localSet(t);
    w.block().block();
    this.emitCacheHit(perm, size);
    w.if().localGet(t).op(Op.I32_WRAP_I64).localSet(a).br(2).end();
    this.emitCacheHit(perm, size, true);
    w.if().localGet(t).op(Op.I32_WRAP_I64).localSet(a).br(2).end();
    w.localGet(t).i64Const(MAX_MEMORY_BYTES).op(Op.I64_GE_U).brIf(0);
    w.localGet(t).op(Op.I32_WRAP_I64).localTee(a);
    w.i32Const(PAGE_SHIFT).op(Op.I32_SHR_U).i32Const(1).op(Op.I32_SHL).mem(Op.I32_LOAD16_U, 1, PAGE_TABLE_BASE);
    w.i32Const(REGION_WORDS * 4).op(Op.I32_MUL).localTee(e);
    // ok = addr >= start && addr + size <= end && (perms & perm) == perm
    w.mem(Op.I32_LOAD, 2, REGION_TABLE_BASE + REGION_START * 4).localGet(a).op(Op.I32_LE_U);
    w.localGet(a).i32Const(size).op(Op.I32_ADD).localGet(e).mem(Op.I32_LOAD, 2, REGION_TABLE_BASE + REGION_END * 4).op(Op.I32_LE_U).op(Op.I32_AND);
    w.localGet(e).mem(Op.I32_LOAD, 2, REGION_TABLE_BASE + REGION_PERMS * 4).i32Const(perm).op(Op.I32_AND).i32Const(perm).op(Op.I32_EQ).op(Op.I32_AND);
    w.if();
    this.emitCacheFill(perm);
    w.br(2).end();
    w.end();
    let after = 0;
    for (let p = pc + 1; p < blockEnd; p++) {
      after++;
      if (this.ctx.insns[p].opcode === 0x18) p++;
    }
    w.i32Const(pc).localGet(t).i32Const(size).i32Const(perm & PERM_WRITE ? 1 : 0);
    w.localGet(this.bud).i64Const(after).op(Op.I64_ADD).call(this.ctx.imp.fault).op(Op.UNREACHABLE);
    w.end();
  }

  private emitLoad(insn: Instruction, pc: number, blockEnd: number): void {
    const mode = insn.opcode & 0xe0;
    const size = SIZE_BYTES[(insn.opcode >> 3) & 3];
    const signed = mode === 0x80;
    if (mode !== 0x60 && !signed) throw new VmError('EINVAL_INSN', `invalid load opcode 0x${insn.opcode.toString(16)}`, pc);
    this.emitChecked(insn.src, insn.offset, size, PERM_READ, pc, blockEnd);
    this.w.localGet(this.addr);
    this.w.mem(signed ? LOAD_S[size] : LOAD_U[size], 0, 0);
    this.set(insn.dst);
  }

  private emitStore(insn: Instruction, pc: number, blockEnd: number): void {
    const w = this.w;
    const mode = insn.opcode & 0xe0;
    const size = SIZE_BYTES[(insn.opcode >> 3) & 3];
    if (mode === 0xc0) return this.emitAtomic(insn, pc, blockEnd, size);
    if (mode !== 0x60) throw new VmError('EINVAL_INSN', `invalid store opcode 0x${insn.opcode.toString(16)}`, pc);
    this.emitChecked(insn.dst, insn.offset, size, PERM_WRITE, pc, blockEnd);
    w.localGet(this.addr);
    if ((insn.opcode & 0x07) === 0x03) this.get(insn.src);
    else w.i64Const(insn.imm);
    w.mem(STORE[size], 0, 0);
  }

  private emitAtomic(insn: Instruction, pc: number, blockEnd: number, size: number): void {
    const w = this.w;
    if (size !== 4 && size !== 8) throw new VmError('EINVAL_INSN', `invalid atomic size ${size}`, pc);
    this.emitChecked(insn.dst, insn.offset, size, PERM_READ | PERM_WRITE, pc, blockEnd);
    const load = size === 4 ? Op.I64_LOAD32_U : Op.I64_LOAD;
    const store = size === 4 ? Op.I64_STORE32 : Op.I64_STORE;
    const old = this.tmp2;
    w.localGet(this.addr).mem(load, 0, 0).localSet(old);
    const src = REG_LOCAL[insn.src];
    const kind = insn.imm & ~1;
    const fetch = (insn.imm & 1) !== 0;
    const bop = ATOMIC_BINOP[kind];
    if (bop !== undefined) {
      w.localGet(this.addr).localGet(old).localGet(src).op(bop).mem(store, 0, 0);
      if (fetch) w.localGet(old).localSet(src);
      return;
    }
    if (insn.imm === 0xe1) {
      w.localGet(this.addr).localGet(src).mem(store, 0, 0);
      w.localGet(old).localSet(src);
      return;
    }
    if (insn.imm === 0xf1) {
      w.localGet(old);
      this.get(0);
      if (size === 4) w.i64Const(0xffffffffn).op(Op.I64_AND);
      w.op(Op.I64_EQ).if().localGet(this.addr).localGet(src).mem(store, 0, 0).end();
      w.localGet(old);
      this.set(0);
      return;
    }
    throw new VmError('EINVAL_INSN', `invalid atomic operation 0x${insn.imm.toString(16)}`, pc);
  }

  private emitLddw(pc: number): void {
    const { program } = this.ctx;
    const value = (BigInt(program.aux[pc] >>> 0) << 32n) | BigInt(program.imm[pc] >>> 0);
    this.w.i64Const(value);
    this.set(this.ctx.insns[pc].dst);
  }

  /** LD_ABS / LD_IND: legacy packet loads, done by the host (they may end the program with r0 = 0). */
  private emitPacketLoad(insn: Instruction, pc: number): void {
    const w = this.w;
    const mode = insn.opcode & 0xe0;
    const size = SIZE_BYTES[(insn.opcode >> 3) & 3];
    if ((mode !== 0x20 && mode !== 0x40) || size === 8) throw new VmError('EINVAL_INSN', `invalid opcode 0x${insn.opcode.toString(16)}`, pc);
    this.spillBudget(pc);
    w.i32Const(pc);
    if (mode === 0x40) {
      this.get(insn.src);
      w.op(Op.I32_WRAP_I64).i32Const(insn.imm).op(Op.I32_ADD).op(Op.I64_EXTEND_I32_S);
    } else {
      w.i64Const(insn.imm);
    }
    w.i32Const(size).call(this.ctx.imp.loadPacket);
    this.forgetRegions();
    this.set(0);
    this.emitStopCheck();
  }
}

/** eBPF ALU operation -> Wasm opcode, for the operations that map one to one. */
const ALU64_OPS: Readonly<Record<number, number>> = {
  0x00: Op.I64_ADD,
  0x10: Op.I64_SUB,
  0x20: Op.I64_MUL,
  0x40: Op.I64_OR,
  0x50: Op.I64_AND,
  0x60: Op.I64_SHL,
  0x70: Op.I64_SHR_U,
  0xa0: Op.I64_XOR,
  0xc0: Op.I64_SHR_S,
};
const ALU32_OPS: Readonly<Record<number, number>> = {
  0x00: Op.I32_ADD,
  0x10: Op.I32_SUB,
  0x20: Op.I32_MUL,
  0x40: Op.I32_OR,
  0x50: Op.I32_AND,
  0x60: Op.I32_SHL,
  0x70: Op.I32_SHR_U,
  0xa0: Op.I32_XOR,
  0xc0: Op.I32_SHR_S,
};
/** eBPF jump operation -> i64 comparison (the i32 ones sit 0x0b lower). */
const JMP64_CMP: Readonly<Record<number, number>> = {
  0x10: Op.I64_EQ,
  0x20: Op.I64_GT_U,
  0x30: Op.I64_GE_U,
  0x50: Op.I64_NE,
  0x60: Op.I64_GT_S,
  0x70: Op.I64_GE_S,
  0xa0: Op.I64_LT_U,
  0xb0: Op.I64_LE_U,
  0xc0: Op.I64_LT_S,
  0xd0: Op.I64_LE_S,
};
const ATOMIC_BINOP: Readonly<Record<number, number>> = { 0x00: Op.I64_ADD, 0x40: Op.I64_OR, 0x50: Op.I64_AND, 0xa0: Op.I64_XOR };

const BPF_FUNC_MAP_LOOKUP_ELEM = 1;

const SIZE_BYTES = [4, 2, 1, 8];
const LOAD_U: Record<number, number> = { 1: Op.I64_LOAD8_U, 2: Op.I64_LOAD16_U, 4: Op.I64_LOAD32_U, 8: Op.I64_LOAD };
const LOAD_S: Record<number, number> = { 1: Op.I64_LOAD8_S, 2: Op.I64_LOAD16_S, 4: Op.I64_LOAD32_S, 8: Op.I64_LOAD };
const STORE: Record<number, number> = { 1: Op.I64_STORE8, 2: Op.I64_STORE16, 4: Op.I64_STORE32, 8: Op.I64_STORE };
