import { type BpfMapSpec, BpfProgType, type LineInfo } from '@bpfleet/elf';
import type { Instruction } from '@bpfleet/isa';
import { formatKernelInsn } from '../log/insn-format.js';
import { formatFrame } from '../log/state-format.js';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_FETCH,
  BPF_IND,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_ST,
  BPF_STX,
  BPF_W,
  BPF_XCHG,
  MAX_BPF_STACK,
  classOf,
  modeOf,
  opOf,
  sizeBytes,
  sizeOf,
  srcOf,
} from '../opcodes.js';
import type { KernelProfile } from '../profiles.js';
import { S64_MAX, S64_MIN, scalarConst, scalarUnknown, scalarWithin } from '../scalar/bounds.js';
import { type Reg, RegType, isPointer, regName, regNotInit, regCopy, regPointer, regScalarUnknown } from '../state/reg.js';
import { type VState, copyState, maskDeadRegs, newFrame, statesEqual } from '../state/state.js';
import { checkAlu, readReg, setReg, writeReg } from './alu-check.js';
import { checkGlobalCallArgs, checkHelperCall, enterFrame, globalEntryRegs } from './calls.js';
import type { GlobalFuncSignature } from '../object-btf.js';
import type { TracingCtx } from '../kernel-btf/tracing-ctx.js';
import type { KernelBtfExtract } from '../kernel-btf/extract.js';
import { type Subprog, checkCfg, findSubprogs } from './cfg.js';
import type { Env } from './env.js';
import { VerifyFail } from './errors.js';
import { isHelperCall, isKfuncCall, isLdImm64, isPseudoCall, jumpTarget } from './insn.js';
import { computeLiveness } from './liveness.js';
import { checkMemAccess, loadedScalar } from './memory.js';
import { checkCondJump } from './jumps.js';

export interface CheckInput {
  readonly insns: readonly Instruction[];
  readonly maps: readonly BpfMapSpec[];
  readonly progType: BpfProgType;
  readonly expectedAttachType: number;
  readonly profile: KernelProfile;
  readonly privileged: boolean;
  readonly sleepable: boolean;
  readonly globalFuncs: readonly number[];
  /** Global subprograms with their BTF prototypes: verified on their own, calls checked against the prototype. */
  readonly globalSigs: readonly GlobalFuncSignature[];
  /** tp_btf / LSM context typed from kernel BTF, or null. */
  readonly tracingCtx: TracingCtx | null;
  /** `lddw` instructions that load the address of a kernel variable (`__ksym` externs), by index. */
  readonly ksymLoads: ReadonlyMap<number, string>;
  /** CO-RE relocated field loads: the struct the loaded field points to, or null. */
  readonly coreFieldTypes: ReadonlyMap<number, string | null>;
  /** What the target kernel's BTF and kallsyms provide, or null when unknown. */
  readonly kernelBtf: KernelBtfExtract | null;
  readonly spinLockOffsets: readonly number[];
  readonly logLevel: 0 | 1 | 2;
  readonly lineInfo: readonly LineInfo[];
}

export interface CheckOutcome {
  readonly accepted: boolean;
  readonly insnsProcessed: number;
  readonly error: { readonly insn: number; readonly message: string } | null;
  readonly log: string;
  readonly totalStates: number;
  readonly peakStates: number;
  readonly maxStatesPerInsn: number;
  readonly stackDepths: readonly number[];
}

/** A checkpoint: a state seen at a prune point, and how many paths below it are still being explored. */
interface Node {
  readonly insn: number;
  readonly state: VState;
  readonly parent: Node | null;
  branches: number;
  hit: number;
  miss: number;
  /** Some decision below this checkpoint depended on scalar values (see Env.markPrecise). */
  precise: boolean;
  /** Number of checkpoints above this one. */
  readonly depth: number;
}

interface Pending {
  state: VState;
  node: Node | null;
  from: number;
}

const CALLBACK_HELPERS = new Set([181, 164]);

/** bpf_opcode_in_insntable: every opcode the kernel knows (anything else is "unknown opcode"). */
const VALID_OPCODES = ((): Set<number> => {
  const ops = new Set<number>();
  for (const cls of [0x04, 0x07]) {
    for (const op of [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0]) ops.add(cls | op).add(cls | op | 0x08);
    ops.add(cls | 0x80);
  }
  ops.add(0xd4).add(0xdc).add(0xd7);
  for (const cls of [0x05, 0x06]) {
    for (const op of [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]) ops.add(cls | op).add(cls | op | 0x08);
  }
  ops.add(0x05).add(0x06).add(0x85).add(0x95).add(0xe5);
  for (const op of [0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb]) ops.add(op);
  return ops;
})();

/**
 * The path-sensitive walk (do_check): explores every path from insn 0 depth-first, forking at
 * branches, pruning at checkpoints whose verified state covers the current one.
 */
export class Checker implements Env {
  readonly insns: readonly Instruction[];
  readonly maps: readonly BpfMapSpec[];
  readonly progType: BpfProgType;
  readonly expectedAttachType: number;
  readonly profile: KernelProfile;
  readonly privileged: boolean;
  readonly allowUninitStack: boolean;
  readonly sleepable: boolean;
  readonly spinLockOffsets: readonly number[];
  readonly tracingCtx: TracingCtx | null;
  readonly coreFieldTypes: ReadonlyMap<number, string | null>;
  state!: VState;
  insnIdx = 0;
  scratchedRegs = 0;
  readonly scratchedSlots = new Set<number>();

  private readonly logLevel: 0 | 1 | 2;
  private readonly globalFuncs: ReadonlySet<number>;
  private readonly ksymLoads: ReadonlyMap<number, string>;
  private readonly kernelBtf: KernelBtfExtract | null;
  private readonly globalSigs: ReadonlyMap<number, GlobalFuncSignature>;
  /** Global subprograms reached by a call (verified after the main program, 6.8+) and those done. */
  private readonly calledGlobals = new Set<number>();
  private readonly verifiedGlobals = new Set<number>();
  /** The global subprogram being verified on its own, or null for the main program. */
  private currentGlobal: GlobalFuncSignature | null = null;
  private readonly lineInfo: readonly LineInfo[];
  private readonly lines: string[] = [];
  private idGen = 0;
  private processed = 0;
  private subprogs: Subprog[] = [];
  private prune: Uint8Array = new Uint8Array(0);
  private live: Uint16Array = new Uint16Array(0);
  private explored: (Node[] | undefined)[] = [];
  private jumps = 0;
  private lastCheckpointInsns = 0;
  private lastCheckpointJumps = 0;
  private totalStates = 0;
  private curStates = 0;
  private peakStates = 0;
  private maxStatesPerInsn = 0;
  private readonly stackDepth: number[] = [];
  private lastLine = -1;
  /** The newest checkpoint on the path being explored. */
  private curNode: Node | null = null;
  /** Per instruction, the nearest checkpoint there among curNode and its ancestors. */
  private readonly pathAt = new Map<number, Node>();
  /** The checkpoints of the current path, root first, with the entry each one shadows in pathAt. */
  private readonly pathUndo: { node: Node; shadowed: Node | null }[] = [];

  constructor(input: CheckInput) {
    this.insns = input.insns;
    this.maps = input.maps;
    this.progType = input.progType;
    this.expectedAttachType = input.expectedAttachType;
    this.profile = input.profile;
    this.privileged = input.privileged;
    this.allowUninitStack = input.privileged && input.profile.version >= 513;
    this.sleepable = input.sleepable;
    this.globalFuncs = new Set(input.globalFuncs);
    // Global functions are verified separately from 5.6 (BTF func info); before that they are static.
    // Parameter decl tags (__arg_ctx, __arg_nonnull) count from 6.8.
    const sigs = input.globalSigs.map((g) => (g.tagged && input.profile.version >= 608 ? { ...g, ...g.tagged } : g));
    this.globalSigs = new Map(input.profile.version >= 506 ? sigs.map((g) => [g.start, g]) : []);
    this.spinLockOffsets = input.spinLockOffsets;
    this.tracingCtx = input.tracingCtx;
    this.ksymLoads = input.ksymLoads;
    this.coreFieldTypes = input.coreFieldTypes;
    this.kernelBtf = input.kernelBtf;
    this.logLevel = input.logLevel;
    this.lineInfo = [...input.lineInfo].sort((a, b) => a.insn - b.insn);
  }

  newId(): number {
    return ++this.idGen;
  }

  /** Moves to another checkpoint: a new child extends the path index, anything else rebuilds it. */
  private setCurNode(n: Node | null): void {
    if (n === this.curNode) return;
    if (n && n.parent === this.curNode) this.enterNode(n);
    else {
      // Depth-first: a popped branch resumes at a checkpoint on the current path, so unwind to it.
      const depth = n ? n.depth : -1;
      while (this.pathUndo.length > 0 && this.pathUndo[this.pathUndo.length - 1]!.node.depth > depth) {
        const u = this.pathUndo.pop()!;
        if (u.shadowed) this.pathAt.set(u.node.insn, u.shadowed);
        else this.pathAt.delete(u.node.insn);
      }
      const top = this.pathUndo[this.pathUndo.length - 1]?.node ?? null;
      if (top !== n) {
        // Not an ancestor after all: rebuild the index from the root down.
        this.pathAt.clear();
        this.pathUndo.length = 0;
        const chain: Node[] = [];
        for (let a = n; a; a = a.parent) chain.push(a);
        for (let i = chain.length - 1; i >= 0; i--) this.enterNode(chain[i]!);
      }
    }
    this.curNode = n;
  }

  private enterNode(n: Node): void {
    this.pathUndo.push({ node: n, shadowed: this.pathAt.get(n.insn) ?? null });
    this.pathAt.set(n.insn, n);
  }

  markPrecise(): void {
    // Marks always cover a whole chain, so a precise checkpoint has only precise ancestors.
    for (let n = this.curNode; n && !n.precise; n = n.parent) n.precise = true;
  }

  run(): CheckOutcome {
    let error: { insn: number; message: string } | null = null;
    try {
      this.structural();
      // do_check_subprogs ran before do_check_main until 6.8; since then only called globals are verified, after main.
      const globalsFirst = this.profile.version < 608;
      if (globalsFirst) this.checkGlobalSubprogs(false);
      this.walk(this.initialState());
      if (!globalsFirst) this.checkGlobalSubprogs(true);
      this.checkStackDepth();
    } catch (e) {
      if (!(e instanceof VerifyFail)) throw e;
      error = { insn: e.insn, message: e.message };
      for (const line of e.message.split('\n')) this.lines.push(line);
    }
    const limit = this.profile.complexityLimit;
    this.lines.push(
      `processed ${this.processed} insns (limit ${limit}) max_states_per_insn ${this.maxStatesPerInsn} total_states ${this.totalStates} peak_states ${this.peakStates} mark_read 0`,
    );
    return {
      accepted: error === null,
      insnsProcessed: this.processed,
      error,
      log: `${this.lines.join('\n')}\n`,
      totalStates: this.totalStates,
      peakStates: this.peakStates,
      maxStatesPerInsn: this.maxStatesPerInsn,
      stackDepths: this.stackDepth,
    };
  }

  // ---- structural checks (resolve_pseudo_ldimm64, check_subprogs, check_cfg) ----

  private structural(): void {
    const n = this.insns.length;
    if (n === 0) throw new VerifyFail(0, 'empty program');
    const maxInsns = this.privileged ? this.profile.maxInsns : 4096;
    if (n > maxInsns) throw new VerifyFail(0, `BPF program is too large. Processed 0 insn (program has ${n} insns, limit ${maxInsns})`);
    this.subprogs = findSubprogs(this.insns);
    for (let i = 0; i < n; i++) {
      const insn = this.insns[i]!;
      const cls = classOf(insn.opcode);
      if (!VALID_OPCODES.has(insn.opcode)) throw new VerifyFail(i, `unknown opcode ${insn.opcode.toString(16).padStart(2, '0')}`);
      if (cls === BPF_LDX) {
        const mode = modeOf(insn.opcode);
        if ((mode !== BPF_MEM && !(mode === BPF_MEMSX && this.profile.cpuV4)) || insn.imm !== 0) throw new VerifyFail(i, 'BPF_LDX uses reserved fields');
      }
      if (cls === BPF_STX) {
        const mode = modeOf(insn.opcode);
        if ((mode !== BPF_MEM && mode !== BPF_ATOMIC) || (mode === BPF_MEM && insn.imm !== 0)) throw new VerifyFail(i, 'BPF_STX uses reserved fields');
      }
      if (isLdImm64(insn)) {
        const next = this.insns[i + 1];
        if (!next || next.opcode !== 0 || next.dst !== 0 || next.src !== 0 || next.offset !== 0) throw new VerifyFail(i, 'invalid bpf_ld_imm64 insn');
        if (insn.src > BPF_PSEUDO_MAP_IDX_VALUE) throw new VerifyFail(i, 'unrecognized bpf_ld_imm64 insn');
        this.checkKsym(i);
        if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_IDX || insn.src === BPF_PSEUDO_MAP_VALUE || insn.src === BPF_PSEUDO_MAP_IDX_VALUE) {
          if (!this.maps[insn.imm]) throw new VerifyFail(i, `fd ${insn.imm} is not pointing to valid bpf_map`);
          if ((insn.src === BPF_PSEUDO_MAP_VALUE || insn.src === BPF_PSEUDO_MAP_IDX_VALUE) && next.imm >>> 0 >= this.maps[insn.imm]!.valueSize) {
            throw new VerifyFail(i, `invalid access to map value pointer, value_size=${this.maps[insn.imm]!.valueSize} off=${next.imm >>> 0}`);
          }
        }
        i++;
        continue;
      }
      if (isPseudoCall(insn) && !this.profile.bpfCalls) throw new VerifyFail(i, 'BPF_CALL uses reserved fields');
      if (isPseudoCall(insn) && !this.privileged) throw new VerifyFail(i, 'function calls to other bpf functions are allowed for CAP_BPF');
    }
    const cfg = checkCfg(this.insns, this.profile.boundedLoops && this.privileged, this.profile.version >= 603);
    this.prune = cfg.prune;
    for (let i = 0; i < n; i++) if (isHelperCall(this.insns[i]!) && CALLBACK_HELPERS.has(this.insns[i]!.imm)) this.prune[i] = 1;
    this.live = computeLiveness(this.insns);
    this.explored = new Array<Node[] | undefined>(n);
    for (let k = 0; k < this.subprogs.length; k++) this.stackDepth.push(0);
  }

  /** check_pseudo_btf_id: a typed ksym needs the variable in kernel BTF and its address from kallsyms. */
  private checkKsym(i: number): void {
    const name = this.ksymLoads.get(i);
    if (name === undefined || !this.kernelBtf) return;
    const size = this.kernelBtf.ksymVars[name];
    // Not a kernel variable in BTF: libbpf resolves it from kallsyms as a typeless ksym (or fails first).
    if (size === undefined) return;
    if (size < 0) throw new VerifyFail(i, `ldimm64 failed to find the address for kernel symbol '${name}'.`);
  }

  private subprogOf(insn: number): number {
    let lo = 0;
    for (let k = 0; k < this.subprogs.length; k++) if (this.subprogs[k]!.start <= insn) lo = k;
    return lo;
  }

  // ---- logging ----

  private logInsn(idx: number): void {
    if (this.logLevel === 0) return;
    const li = this.lineFor(idx);
    if (li && li.insn === idx && li.insn !== this.lastLine) {
      this.lastLine = li.insn;
      this.lines.push(`; ${li.lineText.trim()} @ ${baseName(li.fileName)}:${li.line}`);
    }
  }

  lineFor(idx: number): LineInfo | undefined {
    let best: LineInfo | undefined;
    for (const li of this.lineInfo) {
      if (li.insn > idx) break;
      best = li;
    }
    return best;
  }

  private logAfter(idx: number): void {
    if (this.logLevel === 0) return;
    const text = `${idx}: ${formatKernelInsn(this.insns[idx]!, (m) => this.maps[m]?.name ?? String(m))}`;
    if (this.logLevel === 2) {
      const f = this.state.frames[this.state.frames.length - 1]!;
      const st = formatFrame(f, this.maps, { regs: this.scratchedRegs, slots: this.scratchedSlots });
      this.lines.push(st ? `${text.padEnd(40)}; ${st}` : text);
    } else {
      this.lines.push(text);
    }
  }

  private logFullState(prefix: string): void {
    if (this.logLevel === 0) return;
    const f = this.state.frames[this.state.frames.length - 1]!;
    this.lines.push(`${prefix}${formatFrame(f, this.maps)}`);
  }

  // ---- the walk ----

  private initialState(): VState {
    const f = newFrame(0, 0, -1);
    f.regs[1] = regPointer(RegType.PTR_TO_CTX);
    return { frames: [f], refs: [], lock: { id: 0, map: -1 }, insn: 0, callbackDepth: 0 };
  }

  /** Live registers of frame `f` when the top frame is at `idx` (callers resume after their call). */
  private liveOf(state: VState, idx: number): (f: number) => number {
    const top = state.frames.length - 1;
    return (f) => {
      const at = f === top ? idx : state.frames[f + 1]!.callsite + 1;
      return this.live[at] ?? 0x7ff;
    };
  }

  /**
   * is_state_visited: prune against a fully verified state that covers the current one, detect
   * loops that make no progress, or record a checkpoint (at most one per 8 insns and 2 jumps, as the
   * kernel does, except at callback sites).
   */
  private visit(idx: number, node: Node | null): { pruned: boolean; node: Node | null } {
    const done = this.explored[idx] ?? (this.explored[idx] = []);
    const liveOf = this.liveOf(this.state, idx);
    for (let k = 0; k < done.length; k++) {
      const old = done[k]!;
      if (statesEqual(old.state, this.state, false, old.precise)) {
        old.hit++;
        // The pruned path continues as the checkpoint's did: its decisions hold for this path too.
        if (old.precise) this.markPrecise();
        return { pruned: true, node };
      }
      old.miss++;
      if (old.miss > old.hit * 3 + 3) {
        done.splice(k, 1);
        k--;
        this.curStates--;
      }
    }
    const isCallbackSite = isHelperCall(this.insns[idx]!) && CALLBACK_HELPERS.has(this.insns[idx]!.imm);
    // The nearest checkpoint at this instruction on the current path: the previous loop iteration.
    const prev = this.pathAt.get(idx) ?? null;
    if (prev && prev.branches > 0) {
      if (isCallbackSite) {
        // A callback run that ends where an earlier one started (or inside it) adds nothing new;
        // otherwise widen the scalars that changed so the iteration converges (widen_imprecise_scalars).
        if (statesEqual(prev.state, this.state, false)) return { pruned: true, node };
        widenChangedScalars(prev.state, this.state);
      } else if (statesEqual(prev.state, maskDeadRegs(this.state, liveOf), true)) {
        throw new VerifyFail(idx, `infinite loop detected at insn ${idx}`);
      }
    }
    if (!isCallbackSite && (this.processed - this.lastCheckpointInsns < 8 || this.jumps - this.lastCheckpointJumps < 2)) return { pruned: false, node };
    this.lastCheckpointInsns = this.processed;
    this.lastCheckpointJumps = this.jumps;
    // Unprivileged programs get no imprecise pruning (the kernel marks every scalar precise for them).
    const fresh: Node = { insn: idx, state: maskDeadRegs(this.state, liveOf), parent: node, branches: 1, hit: 0, miss: 0, precise: !this.privileged, depth: node ? node.depth + 1 : 0 };
    this.totalStates++;
    this.curStates++;
    if (this.curStates > this.peakStates) this.peakStates = this.curStates;
    // Registers written from here on start "unwritten" for the log's _w marks.
    for (const f of this.state.frames) for (const r of f.regs) r.written = false;
    return { pruned: false, node: fresh };
  }

  /** A path ended: checkpoints whose every path is done become pruning candidates. */
  private endPath(node: Node | null): void {
    for (let n = node; n; n = n.parent) {
      n.branches--;
      if (n.branches > 0) break;
      const list = this.explored[n.insn] ?? (this.explored[n.insn] = []);
      list.push(n);
      if (list.length > this.maxStatesPerInsn) this.maxStatesPerInsn = list.length;
    }
  }

  /** do_check_subprogs: each global subprogram alone, with its arguments typed from the prototype. */
  private checkGlobalSubprogs(onlyCalled: boolean): void {
    const sigs = [...this.globalSigs.values()].sort((a, b) => a.start - b.start);
    for (let fresh = true; fresh; ) {
      fresh = false;
      for (const sig of sigs) {
        if (this.verifiedGlobals.has(sig.start) || (onlyCalled && !this.calledGlobals.has(sig.start))) continue;
        const sp = this.subprogOf(sig.start);
        if (this.logLevel > 0) this.lines.push(`Validating ${sig.name}() func#${sp}...`);
        if (sig.unsupported) throw new VerifyFail(sig.start, sig.unsupported);
        const f = newFrame(0, sp, -1);
        globalEntryRegs(this, sig).forEach((r, i) => (f.regs[i + 1] = r));
        this.currentGlobal = sig;
        this.explored = new Array<Node[] | undefined>(this.insns.length);
        this.curStates = 0;
        this.walk({ frames: [f], refs: [], lock: { id: 0, map: -1 }, insn: sig.start, callbackDepth: 0 });
        this.currentGlobal = null;
        this.verifiedGlobals.add(sig.start);
        fresh = true;
        if (this.logLevel > 0) this.lines.push(`Func#${sp} ('${sig.name}') is safe for any args that match its prototype`);
      }
    }
  }

  private walk(initial: VState): void {
    const pending: Pending[] = [];
    this.state = initial;
    let node: Node | null = null;
    this.setCurNode(null);
    let first = true;
    for (;;) {
      const idx = this.state.insn;
      this.insnIdx = idx;
      if (idx < 0 || idx >= this.insns.length) throw new VerifyFail(idx, `invalid insn idx ${idx} insn_cnt ${this.insns.length}`);
      if (++this.processed > this.profile.complexityLimit) {
        throw new VerifyFail(idx, `BPF program is too large. Processed ${this.processed} insn`);
      }
      if (first && this.logLevel > 0) this.logFullState(`${idx}: `);
      first = false;
      let done = false;
      if (this.prune[idx]) {
        const v = this.visit(idx, node);
        node = v.node;
        this.setCurNode(node);
        if (v.pruned) {
          if (this.logLevel > 0) this.lines.push(`${idx}: safe`);
          done = true;
        }
      }
      if (!done) {
        this.scratchedRegs = 0;
        this.scratchedSlots.clear();
        this.logInsn(idx);
        const forked = this.step(idx);
        this.logAfter(idx);
        if (forked === 'exit') done = true;
        else if (forked) {
          if (node) node.branches++;
          pending.push({ state: forked, node, from: idx });
        }
      }
      if (done) {
        this.endPath(node);
        const next = pending.pop();
        if (!next) return;
        this.state = next.state;
        node = next.node;
        this.setCurNode(node);
        if (this.logLevel > 0) this.logFullState(`from ${next.from} to ${next.state.insn}: `);
      }
    }
  }

  /** Executes one instruction abstractly. Returns a state to explore later, 'exit' at a path end, or null. */
  private step(idx: number): VState | 'exit' | null {
    const insn = this.insns[idx]!;
    const cls = classOf(insn.opcode);
    switch (cls) {
      case BPF_ALU:
      case BPF_ALU64:
        if (cls === BPF_ALU64 && (opOf(insn.opcode) === 0x30 || opOf(insn.opcode) === 0x90) && insn.offset === 1 && !this.profile.cpuV4) {
          throw new VerifyFail(idx, 'BPF_ALU uses reserved fields');
        }
        checkAlu(this, insn);
        this.state.insn = idx + 1;
        return null;
      case BPF_LDX: {
        readReg(this, insn.src);
        writeReg(this, insn.dst);
        const size = sizeBytes(sizeOf(insn.opcode));
        const loaded = checkMemAccess(this, insn.src, insn.offset, size, 'read', null, { signExtend: modeOf(insn.opcode) === BPF_MEMSX });
        setReg(this, insn.dst, loaded ?? regScalarUnknown());
        this.state.insn = idx + 1;
        return null;
      }
      case BPF_STX:
        if (modeOf(insn.opcode) === BPF_ATOMIC) this.checkAtomic(insn);
        else {
          const value = readReg(this, insn.src);
          readReg(this, insn.dst);
          checkMemAccess(this, insn.dst, insn.offset, sizeBytes(sizeOf(insn.opcode)), 'write', value, { valueRegno: insn.src });
        }
        this.state.insn = idx + 1;
        return null;
      case BPF_ST: {
        if (modeOf(insn.opcode) !== BPF_MEM || insn.src !== 0) throw new VerifyFail(idx, 'BPF_ST uses reserved fields');
        const dst = readReg(this, insn.dst);
        // Kernels before 6.3 refuse immediate stores into the context.
        if (dst.type === RegType.PTR_TO_CTX && this.profile.version < 603) throw new VerifyFail(idx, `BPF_ST stores into R${insn.dst} ctx is not allowed`);
        const size = sizeBytes(sizeOf(insn.opcode));
        const v = regScalarUnknown();
        v.num = scalarConst(BigInt(insn.imm));
        // An 8-byte immediate store spills a known constant; narrower ones leave plain data.
        checkMemAccess(this, insn.dst, insn.offset, size, 'write', size === 8 ? v : null, { immZero: insn.imm === 0 });
        this.state.insn = idx + 1;
        return null;
      }
      case BPF_LD:
        this.checkLd(insn);
        this.state.insn = idx + (isLdImm64(insn) ? 2 : 1);
        return null;
      case BPF_JMP:
      case BPF_JMP32:
        this.jumps++;
        return this.checkJmp(insn, idx);
      default:
        throw new VerifyFail(idx, `unknown opcode ${insn.opcode.toString(16).padStart(2, '0')}`);
    }
  }

  private checkAtomic(insn: Instruction): void {
    const size = sizeOf(insn.opcode);
    const op = insn.imm;
    const base = op & ~BPF_FETCH;
    const validOps = [0x00, 0x40, 0x50, 0xa0];
    const valid = (validOps.includes(base) && (this.profile.atomics || op === 0x00)) || ((op === BPF_XCHG || op === BPF_CMPXCHG) && this.profile.atomics);
    if (!valid) throw new VerifyFail(this.insnIdx, `BPF_ATOMIC uses invalid atomic opcode ${op.toString(16).padStart(2, '0')}`);
    if (size !== BPF_W && size !== BPF_DW) throw new VerifyFail(this.insnIdx, 'invalid atomic operand size');
    const value = readReg(this, insn.src);
    readReg(this, insn.dst);
    if (op === BPF_CMPXCHG) readReg(this, 0);
    if (isPointer(value) && !this.privileged) throw new VerifyFail(this.insnIdx, `R${insn.src} leaks addr into mem`);
    const bytes = sizeBytes(size);
    const dst = this.state.frames[this.state.frames.length - 1]!.regs[insn.dst]!;
    if (dst.type === RegType.PTR_TO_CTX || dst.type === RegType.PTR_TO_PACKET || dst.type === RegType.PTR_TO_PACKET_META) {
      throw new VerifyFail(this.insnIdx, `BPF_ATOMIC stores into R${insn.dst} ${dst.type === RegType.PTR_TO_CTX ? 'ctx' : 'pkt'} is not allowed`);
    }
    checkMemAccess(this, insn.dst, insn.offset, bytes, 'read', null, { isAtomic: true });
    checkMemAccess(this, insn.dst, insn.offset, bytes, 'write', regScalarUnknown(), { isAtomic: true, valueRegno: insn.src });
    if (op === BPF_CMPXCHG) setReg(this, 0, loadedScalar(bytes, false));
    else if (op & BPF_FETCH) setReg(this, insn.src, loadedScalar(bytes, false));
  }

  private checkLd(insn: Instruction): void {
    const mode = modeOf(insn.opcode);
    if (isLdImm64(insn)) {
      const r = this.ldImm64Value(insn);
      setReg(this, insn.dst, r);
      return;
    }
    if (mode !== BPF_ABS && mode !== BPF_IND) throw new VerifyFail(this.insnIdx, 'invalid BPF_LD mode');
    const okType = this.progType === BpfProgType.SOCKET_FILTER || this.progType === BpfProgType.SCHED_CLS || this.progType === BpfProgType.SCHED_ACT;
    if (!okType) throw new VerifyFail(this.insnIdx, 'BPF_LD_[ABS|IND] instructions not allowed for this program type');
    if (insn.dst !== 0 || insn.offset !== 0 || sizeOf(insn.opcode) === BPF_DW || (mode === BPF_ABS && insn.src !== 0)) {
      throw new VerifyFail(this.insnIdx, 'BPF_LD_[ABS|IND] uses reserved fields');
    }
    if (this.state.refs.length) throw new VerifyFail(this.insnIdx, 'BPF_LD_[ABS|IND] cannot be mixed with socket references');
    if (this.state.lock.id !== 0) throw new VerifyFail(this.insnIdx, 'BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region');
    const r6 = readReg(this, 6);
    if (mode === BPF_IND) readReg(this, insn.src);
    if (r6.type !== RegType.PTR_TO_CTX) throw new VerifyFail(this.insnIdx, 'at the time of BPF_LD_ABS|IND R6 != pointer to skb');
    const regs = this.state.frames[this.state.frames.length - 1]!.regs;
    for (let r = 1; r <= 5; r++) {
      regs[r] = regNotInit();
      this.scratchedRegs |= 1 << r;
    }
    setReg(this, 0, loadedScalar(sizeBytes(sizeOf(insn.opcode)), false));
  }

  private ldImm64Value(insn: Instruction): Reg {
    const v = insn.imm64 ?? BigInt(insn.imm >>> 0);
    const lo = Number(v & 0xffff_ffffn);
    const hi = Number(v >> 32n);
    switch (insn.src) {
      case 0: {
        const r = regScalarUnknown();
        r.num = scalarConst(v);
        return r;
      }
      case BPF_PSEUDO_MAP_FD:
      case BPF_PSEUDO_MAP_IDX: {
        const r = regPointer(RegType.CONST_PTR_TO_MAP);
        r.map = lo;
        return r;
      }
      case BPF_PSEUDO_MAP_VALUE:
      case BPF_PSEUDO_MAP_IDX_VALUE: {
        const r = regPointer(RegType.PTR_TO_MAP_VALUE);
        r.map = lo;
        r.off = hi;
        return r;
      }
      case BPF_PSEUDO_FUNC: {
        const r = regPointer(RegType.PTR_TO_FUNC);
        r.func = this.insnIdx + insn.imm + 1;
        return r;
      }
      case BPF_PSEUDO_BTF_ID: {
        const r = regPointer(RegType.PTR_TO_MEM);
        r.memSize = 8;
        return r;
      }
      default:
        throw new VerifyFail(this.insnIdx, 'unrecognized bpf_ld_imm64 insn');
    }
  }

  private checkJmp(insn: Instruction, idx: number): VState | 'exit' | null {
    const cls = classOf(insn.opcode);
    const op = opOf(insn.opcode);
    if (op === 0x00) {
      const bad = srcOf(insn.opcode) !== BPF_K || insn.src !== 0 || insn.dst !== 0 || (cls === BPF_JMP && insn.imm !== 0) || (cls === BPF_JMP32 && insn.offset !== 0);
      if (bad) throw new VerifyFail(idx, 'BPF_JA uses reserved fields');
      if (cls === BPF_JMP32 && !this.profile.cpuV4) throw new VerifyFail(idx, 'BPF_JA uses reserved fields');
      this.state.insn = jumpTarget(idx, insn);
      return null;
    }
    if (op === 0x80) {
      if (srcOf(insn.opcode) !== BPF_K || cls === BPF_JMP32 || insn.dst !== 0 || (insn.src !== 2 && insn.offset !== 0) || insn.src > 2) {
        throw new VerifyFail(idx, 'BPF_CALL uses reserved fields');
      }
      return this.checkCall(insn, idx);
    }
    if (op === 0x90) {
      if (srcOf(insn.opcode) !== BPF_K || insn.imm !== 0 || insn.src !== 0 || insn.dst !== 0 || cls === BPF_JMP32) {
        throw new VerifyFail(idx, 'BPF_EXIT uses reserved fields');
      }
      return this.checkExit(idx);
    }
    const out = checkCondJump(this, insn);
    if (out.fall && out.taken) {
      out.fall.insn = idx + 1;
      this.state = out.fall;
      return out.taken;
    }
    if (out.taken) {
      this.state = out.taken;
      return null;
    }
    if (out.fall) {
      out.fall.insn = idx + 1;
      this.state = out.fall;
      return null;
    }
    return 'exit';
  }

  private checkCall(insn: Instruction, idx: number): VState | 'exit' | null {
    if (isPseudoCall(insn)) {
      const target = idx + insn.imm + 1;
      const sig = this.globalSigs.get(target);
      if (sig) return this.callGlobal(sig, idx);
      if (this.state.lock.id !== 0) throw new VerifyFail(idx, 'function calls are not allowed while holding a lock');
      const sp = this.subprogOf(target);
      enterFrame(this, this.state, idx, target, sp, null, false);
      if (this.logLevel > 0) {
        this.lines.push(`${idx}: ${formatKernelInsn(insn)}`);
        this.lines.push('caller:');
        this.lines.push(formatFrame(this.state.frames[this.state.frames.length - 2]!, this.maps));
        this.lines.push('callee:');
        this.lines.push(formatFrame(this.state.frames[this.state.frames.length - 1]!, this.maps));
      }
      return null;
    }
    if (isKfuncCall(insn)) throw new VerifyFail(idx, 'calling kernel function is not supported without kernel BTF');
    // A callback-calling helper is re-entered after each callback run, with the caller's registers intact.
    const beforeCall = CALLBACK_HELPERS.has(insn.imm) ? copyState(this.state) : null;
    const res = checkHelperCall(this, insn);
    this.state.insn = idx + 1;
    if (res.callback && beforeCall) {
      // The callback may run any number of times: verify a callback frame that returns to this call,
      // while the path after the call continues with R0 unknown.
      enterFrame(this, beforeCall, idx, res.callback.subprogStart, this.subprogOf(res.callback.subprogStart), res.callback.args, true);
      return beforeCall;
    }
    return null;
  }

  /** check_func_call for a global subprogram: check the arguments against its prototype, assume it safe, R0 unknown. */
  private callGlobal(sig: GlobalFuncSignature, idx: number): null {
    if (this.state.lock.id !== 0) throw new VerifyFail(idx, 'global function calls are not allowed while holding a lock,\nuse static function instead');
    const sp = this.subprogOf(sig.start);
    checkGlobalCallArgs(this, sig, sp);
    if (this.logLevel > 0) this.lines.push(`Func#${sp} ('${sig.name}') is global and assumed valid.`);
    this.calledGlobals.add(sig.start);
    const regs = this.state.frames[this.state.frames.length - 1]!.regs;
    for (let r = 1; r <= 5; r++) regs[r] = regNotInit();
    regs[0] = regScalarUnknown();
    regs[0].written = true;
    this.scratchedRegs |= 0x3f;
    this.state.insn = idx + 1;
    return null;
  }

  private checkExit(idx: number): VState | 'exit' | null {
    const frames = this.state.frames;
    const inMain = frames.length === 1;
    if (inMain && this.state.lock.id !== 0) throw new VerifyFail(idx, 'BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region');
    if (inMain && this.state.refs.length) {
      const r = this.state.refs[0]!;
      const tail = this.profile.version >= 613 ? '\nBPF_EXIT instruction in main prog would lead to reference leak' : '';
      throw new VerifyFail(idx, `Unreleased reference id=${r.id} alloc_insn=${r.insn}${tail}`);
    }
    const r0 = readReg(this, 0);
    const callee = frames[frames.length - 1]!;
    this.noteStack(callee.subprog, callee.allocated);
    if (!inMain) {
      if (callee.inCallback) {
        this.markPrecise();
        if (r0.type !== RegType.SCALAR) throw new VerifyFail(idx, `At callback return the register R0 is not a known value (${r0.type})`);
        if (r0.num.smin < 0n || r0.num.smax > 1n) {
          throw new VerifyFail(idx, `At callback return the register R0 has ${rangeText(r0)} should have been in [0, 1]`);
        }
        frames.pop();
        // Back to the helper call: it may invoke the callback again, or return.
        this.state.insn = callee.callsite;
        return null;
      }
      // check_return_code: a global function is verified on its own and may only return a scalar.
      if (r0.type !== RegType.SCALAR && this.globalFuncs.has(this.subprogs[callee.subprog]?.start ?? -1)) {
        throw new VerifyFail(idx, `At subprogram exit the register R0 is not a scalar value (${regName(r0)})`);
      }
      if (r0.type === RegType.PTR_TO_STACK && r0.frameno === callee.frameno) throw new VerifyFail(idx, 'cannot return stack pointer to the caller');
      frames.pop();
      const caller = frames[frames.length - 1]!;
      caller.regs[0] = { ...r0, written: true };
      this.scratchedRegs |= 1;
      this.state.insn = callee.callsite + 1;
      return null;
    }
    if (this.currentGlobal) {
      // check_return_code for a subprogram verified on its own: any scalar.
      if (r0.type !== RegType.SCALAR) throw new VerifyFail(idx, `At subprogram exit the register R0 is not a scalar value (${regName(r0)})`);
      return 'exit';
    }
    if (isPointer(r0) && !this.privileged) throw new VerifyFail(idx, 'R0 leaks addr as return value');
    this.checkReturnCode(idx, r0);
    return 'exit';
  }

  private checkReturnCode(idx: number, r0: Reg): void {
    let range: [number, number] | null = null;
    if (this.progType === BpfProgType.CGROUP_SKB) range = this.expectedAttachType === 1 ? [0, 3] : [0, 1];
    if (!range) return;
    this.markPrecise();
    if (r0.type !== RegType.SCALAR) throw new VerifyFail(idx, `At program exit the register R0 is not a known value (${r0.type})`);
    if (r0.num.smin < BigInt(range[0]) || r0.num.smax > BigInt(range[1])) {
      if (this.profile.modernLog) {
        throw new VerifyFail(idx, `At program exit the register R0 has ${rangeText(r0)} should have been in [${range[0]}, ${range[1]}]`);
      }
      const v = r0.num.varOff;
      throw new VerifyFail(idx, `At program exit the register R0 has value (0x${v.value.toString(16)}; 0x${v.mask.toString(16)}) should have been in (0x${range[0].toString(16)}; 0x${range[1].toString(16)})`);
    }
  }

  private noteStack(subprog: number, depth: number): void {
    if ((this.stackDepth[subprog] ?? 0) < depth) this.stackDepth[subprog] = depth;
  }

  /** check_max_stack_depth: along every static call chain, the frames' stack sizes (rounded to 32) must fit in 512. */
  private checkStackDepth(): void {
    const calls: number[][] = this.subprogs.map(() => []);
    for (let i = 0; i < this.insns.length; i++) {
      const insn = this.insns[i]!;
      if (isPseudoCall(insn)) calls[this.subprogOf(i)]!.push(this.subprogOf(i + insn.imm + 1));
    }
    const round = (d: number): number => Math.ceil(Math.max(d, 1) / 32) * 32;
    const dfs = (sp: number, depth: number, frames: number, seen: Set<number>): void => {
      const total = depth + round(this.stackDepth[sp] ?? 0);
      if (total > MAX_BPF_STACK) throw new VerifyFail(this.subprogs[sp]!.start, `combined stack size of ${frames} calls is ${total}. Too large`);
      for (const c of calls[sp]!) {
        if (seen.has(c)) continue;
        seen.add(c);
        dfs(c, total, frames + 1, seen);
        seen.delete(c);
      }
    };
    dfs(0, 0, 1, new Set([0]));
  }
}

/** Scalars that differ from the previous iteration's checkpoint become unknown. */
function widenChangedScalars(old: VState, cur: VState): void {
  for (let f = 0; f < cur.frames.length && f < old.frames.length; f++) {
    const o = old.frames[f]!;
    const c = cur.frames[f]!;
    const changed = (a: Reg | null | undefined, b: Reg | null | undefined): b is Reg =>
      !!a && !!b && a.type === RegType.SCALAR && b.type === RegType.SCALAR && !scalarWithin(a.num, b.num);
    const widen = (b: Reg): void => {
      b.num = scalarUnknown();
      b.id = 0;
    };
    for (let r = 0; r < 10; r++) if (changed(o.regs[r], c.regs[r])) widen(c.regs[r]!);
    for (let k = 0; k < c.spilled.length; k++) {
      const sp = c.spilled[k];
      if (!changed(o.spilled[k], sp)) continue;
      // Spilled registers are shared between states: widen a private copy.
      const own = regCopy(sp);
      widen(own);
      c.spilled[k] = own;
    }
  }
}

function rangeText(r: Reg): string {
  const parts: string[] = [];
  if (r.num.smin > S64_MIN) parts.push(`smin=${r.num.smin}`);
  if (r.num.smax < S64_MAX) parts.push(`smax=${r.num.smax}`);
  return parts.length ? parts.join(' ') : 'unknown scalar value';
}

function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}
