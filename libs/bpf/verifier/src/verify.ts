import { type BpfMapSpec, type BpfObject, type BpfProgramSpec, BpfProgType, type LineInfo } from '@bpfleet/elf';
import type { Instruction } from '@bpfleet/isa';
import { type GlobalFuncSignature, coreFieldTypes, globalFunctionSignatures, globalFunctionStarts, parseObjectBtf, spinLockOffsets } from './object-btf.js';
import { Checker } from './check/checker.js';
import { hintFor } from './hints.js';
import type { KernelBtfExtract } from './kernel-btf/extract.js';
import { tracingCtx } from './kernel-btf/tracing-ctx.js';
import { type KernelProfile, DEFAULT_PROFILE } from './profiles.js';

export interface VerifyOptions {
  /** Kernel profile (default: the newest). */
  readonly profile?: KernelProfile;
  /** Root/CAP_BPF (default) or unprivileged rules. */
  readonly privileged?: boolean;
  /** 0: error and summary only; 1: every instruction; 2: plus register state per instruction. */
  readonly logLevel?: 0 | 1 | 2;
  /** The target kernels' BTF extract (extractKernelBtf of their vmlinux BTF) instead of the profile's. */
  readonly kernelBtf?: KernelBtfExtract;
}

export interface VerifierErrorInfo {
  /** Index of the failing instruction. */
  readonly insn: number;
  /** Source location from .BTF.ext line info (`file.c:42: the line's text`), or null without line info. */
  readonly line: string | null;
  /** The kernel's message (may span lines, as in the kernel log). */
  readonly message: string;
  /** One line on the usual fix. */
  readonly hint: string;
}

export interface VerifyResult {
  readonly accepted: boolean;
  readonly insnsProcessed: number;
  readonly error: VerifierErrorInfo | null;
  readonly log: string;
  /** Per subprogram stack depth in bytes (as the kernel reports `stack depth`). */
  readonly stackDepths: readonly number[];
}

export interface ProgramInput {
  readonly insns: readonly Instruction[];
  readonly type: BpfProgType;
  readonly maps?: readonly BpfMapSpec[];
  readonly expectedAttachType?: number;
  /** What the program attaches to (`sched_switch` for tp_btf/sched_switch): types its context from kernel BTF. */
  readonly attachTarget?: string;
  /** Loaded with BPF_F_SLEEPABLE. */
  readonly sleepable?: boolean;
  /** First instructions of the global (BTF_FUNC_GLOBAL) subprograms. */
  readonly globalFuncs?: readonly number[];
  /** Global subprograms with their BTF prototypes (verified on their own, as the kernel does from 5.6). */
  readonly globalSignatures?: readonly GlobalFuncSignature[];
  /**
   * CO-RE relocated field loads: instruction index to the struct the loaded field points to (null:
   * not a pointer to a struct). Loads through kernel pointers there give `ptr_<struct>`.
   */
  readonly coreFieldTypes?: ReadonlyMap<number, string | null>;
  /** `lddw` instructions that load a kernel variable's address (`__ksym` externs): index to symbol name. */
  readonly ksymLoads?: ReadonlyMap<number, string>;
  /** Per map, where its value's bpf_spin_lock sits (-1: none). */
  readonly spinLockOffsets?: readonly number[];
  readonly lineInfo?: readonly LineInfo[];
}

function lineText(lineInfo: readonly LineInfo[], insn: number): string | null {
  let best: LineInfo | undefined;
  for (const li of [...lineInfo].sort((a, b) => a.insn - b.insn)) {
    if (li.insn > insn) break;
    best = li;
  }
  if (!best) return null;
  const file = best.fileName.slice(best.fileName.lastIndexOf('/') + 1);
  return `${file}:${best.line}: ${best.lineText.trim()}`;
}

/** Verifies raw instructions for a program type (maps referenced by index, as BpfObject programs do). */
export function verifyInstructions(input: ProgramInput, options: VerifyOptions = {}): VerifyResult {
  const kernelBtf = options.kernelBtf ?? (options.profile ?? DEFAULT_PROFILE).kernelBtf;
  const checker = new Checker({
    insns: input.insns,
    maps: input.maps ?? [],
    progType: input.type,
    expectedAttachType: input.expectedAttachType ?? 0,
    profile: options.profile ?? DEFAULT_PROFILE,
    privileged: options.privileged ?? true,
    sleepable: input.sleepable ?? false,
    globalFuncs: input.globalFuncs ?? [],
    globalSigs: input.globalSignatures ?? [],
    tracingCtx: tracingCtx(kernelBtf, input.type, input.expectedAttachType ?? 0, input.attachTarget),
    ksymLoads: input.ksymLoads ?? new Map(),
    coreFieldTypes: input.coreFieldTypes ?? new Map(),
    kernelBtf,
    spinLockOffsets: input.spinLockOffsets ?? [],
    logLevel: options.logLevel ?? 0,
    lineInfo: input.lineInfo ?? [],
  });
  const out = checker.run();
  const error = out.error
    ? { insn: out.error.insn, line: lineText(input.lineInfo ?? [], out.error.insn), message: out.error.message, hint: hintFor(out.error.message) }
    : null;
  return { accepted: out.accepted, insnsProcessed: out.insnsProcessed, error, log: out.log, stackDepths: out.stackDepths };
}

/**
 * Splits raw bytecode into instruction slots without rejecting malformed framing (a trailing lddw
 * without its second slot): that is the verifier's to report, as the kernel does.
 */
export function decodeForVerify(bytes: Uint8Array): Instruction[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.length / 8);
  const out: Instruction[] = [];
  for (let i = 0; i < count; i++) {
    const b = i * 8;
    const opcode = view.getUint8(b);
    const regs = view.getUint8(b + 1);
    const imm = view.getInt32(b + 4, true);
    const insn: Instruction = { opcode, dst: regs & 0x0f, src: regs >> 4, offset: view.getInt16(b + 2, true), imm };
    if (opcode === 0x18) {
      const hi = i + 1 < count ? view.getUint32(b + 12, true) : 0;
      out.push({ ...insn, imm64: (BigInt(hi) << 32n) | BigInt(imm >>> 0) });
    } else {
      out.push(insn);
    }
  }
  return out;
}

/** Verifies one program of a parsed object. */
export function verifyProgram(object: BpfObject, program: BpfProgramSpec, options: VerifyOptions = {}): VerifyResult {
  const btf = parseObjectBtf(object);
  return verifyInstructions(
    {
      insns: program.insns,
      type: program.type,
      maps: object.maps,
      expectedAttachType: program.expectedAttachType ?? 0,
      ...(program.attachTarget !== undefined && { attachTarget: program.attachTarget }),
      sleepable: program.sleepable,
      globalFuncs: globalFunctionStarts(btf, program),
      globalSignatures: globalFunctionSignatures(btf, program),
      spinLockOffsets: spinLockOffsets(btf, object.maps),
      coreFieldTypes: coreFieldTypes(btf, program),
      ksymLoads: new Map(program.references.flatMap((r) => (r.kind === 'extern' ? [[r.insn, r.name] as const] : []))),
      lineInfo: program.lineInfo,
    },
    options,
  );
}

export { BpfProgType };
