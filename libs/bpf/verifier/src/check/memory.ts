import { BpfProgType } from '@bpfleet/elf';
import { ctxAccess } from '../context/ctx.js';
import { type TracingCtx, tracingCtxAccess } from '../kernel-btf/tracing-ctx.js';
import { BPF_MAX_VAR_OFF, MAX_BPF_STACK } from '../opcodes.js';
import { SPIN_LOCK_SIZE } from '../object-btf.js';
import { type Scalar, scalarConst, scalarCopy, scalarUnknown, signExtendFrom, syncBounds } from '../scalar/bounds.js';
import { tnumFormat, tnumIsConst, tnumRange } from '../scalar/tnum.js';
import {
  type Reg,
  MEM_RDONLY,
  PTR_MAYBE_NULL,
  RegType,
  isPointer,
  regCopy,
  regName,
  regPointer,
  regScalarUnknown,
} from '../state/reg.js';
import { type Frame, SlotType, ownStack } from '../state/state.js';
import { type Env, frameOf } from './env.js';
import { VerifyFail } from './errors.js';

export type Access = 'read' | 'write';

/** BPF_F_RDONLY_PROG: the program may not write the map. */
const BPF_F_RDONLY_PROG = 1 << 7;

/** The base register of the load being checked (the kernel names it in stack messages). */
function regnoOf(env: Env): number {
  return env.insns[env.insnIdx]?.src ?? 10;
}

function fail(env: Env, message: string): never {
  throw new VerifyFail(env.insnIdx, message);
}

/** A scalar loaded from `size` bytes, zero-extended (or sign-extended for ldsx). */
export function loadedScalar(size: number, signExtend: boolean): Reg {
  const r = regScalarUnknown();
  if (size < 8) {
    if (!signExtend) {
      r.num = scalarCopy(ZERO_EXTENDED[size]!);
      return r;
    }
    r.num.varOff = tnumRange(0n, (1n << BigInt(size * 8)) - 1n);
    syncBounds(r.num);
    signExtendFrom(r.num, (size * 8) as 8 | 16 | 32);
  }
  return r;
}

/** Zero-extended loads of 1, 2 and 4 bytes: any value below 2^(8*size), computed once. */
const ZERO_EXTENDED: Scalar[] = [0, 1, 2, 3, 4].map((size) => {
  const s = scalarUnknown();
  if (size === 0) return s;
  s.varOff = tnumRange(0n, (1n << BigInt(size * 8)) - 1n);
  syncBounds(s);
  return s;
});

function isMapReadonly(env: Env, map: number): boolean {
  const m = env.maps[map];
  return !!m && (m.origin === 'rodata' || m.origin === 'kconfig' || (m.flags & BPF_F_RDONLY_PROG) !== 0);
}

/** __check_mem_access with the kernel's per-type wording. */
function checkMemRange(env: Env, regno: number, reg: Reg, off: number, size: number, memSize: number, zeroOk: boolean): void {
  const sizeOk = size > 0 || (size === 0 && zeroOk);
  if (sizeOk && off >= 0 && off + size <= memSize) return;
  switch (reg.type) {
    case RegType.PTR_TO_MAP_VALUE:
      return fail(env, `invalid access to map value, value_size=${memSize} off=${off} size=${size}`);
    case RegType.PTR_TO_MAP_KEY:
      return fail(env, `invalid access to map key, key_size=${memSize} off=${off} size=${size}`);
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
      return fail(env, `invalid access to packet, off=${off} size=${size}, R${regno}(id=${reg.id},off=${off},r=${reg.range})\nR${regno} offset is outside of the packet`);
    default:
      fail(env, `invalid access to memory, mem_size=${memSize} off=${off} size=${size}`);
  }
}

/** check_mem_region_access: a region with a fixed size, reached through a possibly variable offset. */
export function checkRegionAccess(env: Env, regno: number, reg: Reg, off: number, size: number, memSize: number, zeroOk: boolean): void {
  const n = reg.num;
  if (n.smin < 0n) {
    const lo = BigInt(off) + n.smin;
    if (n.smin === -(1n << 63n) || lo !== BigInt.asIntN(32, lo) || lo < 0n) {
      fail(env, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    }
  }
  if (tnumIsConst(n.varOff)) {
    checkMemRange(env, regno, reg, off + Number(n.smin), size, memSize, zeroOk);
    return;
  }
  try {
    checkMemRange(env, regno, reg, Number(n.smin) + off, size, memSize, zeroOk);
  } catch (e) {
    if (e instanceof VerifyFail) fail(env, `${e.message}\nR${regno} min value is outside of the allowed memory range`);
    throw e;
  }
  if (n.umax >= BigInt(BPF_MAX_VAR_OFF)) fail(env, `R${regno} unbounded memory access, make sure to bounds check any such access`);
  try {
    checkMemRange(env, regno, reg, Number(n.umax) + off, size, memSize, zeroOk);
  } catch (e) {
    if (e instanceof VerifyFail) fail(env, `${e.message}\nR${regno} max value is outside of the allowed memory range`);
    throw e;
  }
}

/** check_ptr_off_reg for ctx-like pointers: no fixed or variable offset. */
export function checkPtrOffZero(env: Env, regno: number, reg: Reg): void {
  if (reg.off < 0) fail(env, `negative offset ${regName(reg)} ptr R${regno} off=${reg.off} disallowed`);
  if (reg.off !== 0) fail(env, `dereference of modified ${regName(reg)} ptr R${regno} off=${reg.off} disallowed`);
  if (!tnumIsConst(reg.num.varOff) || reg.num.varOff.value !== 0n) {
    fail(env, `variable ${regName(reg)} access var_off=${tnumFormat(reg.num.varOff)} disallowed`);
  }
}

function stackFrameOf(env: Env, reg: Reg): Frame {
  return env.state.frames[reg.frameno] ?? frameOf(env);
}

/** check_stack_access_within_bounds; returns the lowest and highest byte offsets touched. */
export function checkStackBounds(env: Env, regno: number, reg: Reg, off: number, size: number, how: 'read' | 'write'): [number, number] {
  const extra = how === 'read' ? ' read from' : ' write to';
  let minOff: number;
  let maxOff: number;
  const n = reg.num;
  if (tnumIsConst(n.varOff)) {
    minOff = Number(BigInt.asIntN(64, n.varOff.value)) + reg.off + off;
    maxOff = minOff + size;
  } else {
    if (n.smax >= BigInt(BPF_MAX_VAR_OFF) || n.smin <= -BigInt(BPF_MAX_VAR_OFF)) fail(env, `invalid unbounded variable-offset${extra} stack R${regno}`);
    minOff = Number(n.smin) + reg.off + off;
    maxOff = Number(n.smax) + reg.off + off + size;
  }
  const f = stackFrameOf(env, reg);
  if (minOff < minValidStackOff(env, f, how) || maxOff > 0 || size < 0) {
    if (tnumIsConst(n.varOff)) fail(env, `invalid${extra} stack R${regno} off=${reg.off + off} size=${size}`);
    fail(env, `invalid variable-offset${extra} stack R${regno} var_off=${tnumFormat(n.varOff)} off=${reg.off + off} size=${size}`);
  }
  if (-minOff > f.allocated) f.allocated = -minOff;
  return [minOff, maxOff];
}

/**
 * check_stack_slot_within_bounds: since 6.8, a read that may not see uninitialised stack is refused
 * below the stack the program has touched so far (grown in 8-byte slots), with the bounds wording.
 */
function minValidStackOff(env: Env, f: Frame, how: 'read' | 'write'): number {
  if (how === 'write' || env.allowUninitStack || env.profile.version < 608) return -MAX_BPF_STACK;
  return -Math.ceil(f.allocated / 8) * 8;
}

const byteIndex = (off: number): number => -off - 1;

/** Marks the bytes [lo, hi) of a frame's stack with one type, dropping spills they cut into. */
function markStackBytes(env: Env, f: Frame, lo: number, hi: number, type: SlotType): void {
  ownStack(f);
  for (let off = lo; off < hi; off++) {
    const i = byteIndex(off);
    const slot = i >> 3;
    if (f.stackType[i] === SlotType.SPILL) {
      // Overwriting part of a spill turns the rest of that slot into plain data.
      const sp = f.spilled[slot];
      for (let b = slot * 8; b < slot * 8 + 8; b++) {
        if (f.stackType[b] === SlotType.SPILL) f.stackType[b] = sp && sp.type === RegType.SCALAR && sp.num.umax === 0n ? SlotType.ZERO : SlotType.MISC;
      }
      f.spilled[slot] = null;
    }
    f.stackType[i] = type;
    env.scratchedSlots.add(slot);
  }
}

/** Stack write of `size` bytes at a constant offset (check_stack_write_fixed_off). */
function stackWriteFixed(env: Env, f: Frame, off: number, size: number, value: Reg | null, immZero: boolean): void {
  ownStack(f);
  const i = byteIndex(off);
  const slot = i >> 3;
  const aligned = off % 8 === 0;
  if (value && isPointer(value) && size !== 8) fail(env, 'invalid size of register spill');
  if (!env.privileged) {
    for (let b = 0; b < size; b++) {
      const bi = byteIndex(off + b);
      const sp = f.spilled[bi >> 3];
      if (f.stackType[bi] === SlotType.SPILL && sp && isPointer(sp) && size !== 8) fail(env, 'attempt to corrupt spilled pointer on stack');
    }
  }
  if (size === 8 && aligned && value) {
    // A full spill keeps the register's whole abstract value.
    f.spilled[slot] = regCopy(value);
    f.spilled[slot]!.written = false;
    for (let b = slot * 8; b < slot * 8 + 8; b++) f.stackType[b] = SlotType.SPILL;
    env.scratchedSlots.add(slot);
    return;
  }
  if (size === 8 && aligned && immZero) {
    f.spilled[slot] = null;
    for (let b = slot * 8; b < slot * 8 + 8; b++) f.stackType[b] = SlotType.ZERO;
    env.scratchedSlots.add(slot);
    return;
  }
  const isZero = immZero || (!!value && value.type === RegType.SCALAR && tnumIsConst(value.num.varOff) && value.num.varOff.value === 0n);
  markStackBytes(env, f, off, off + size, isZero ? SlotType.ZERO : SlotType.MISC);
}

/** Stack read at a constant offset (check_stack_read_fixed_off): restores spills, checks initialisation. */
function stackReadFixed(env: Env, f: Frame, off: number, size: number, signExtend: boolean): Reg {
  const i = byteIndex(off);
  const slot = i >> 3;
  const top = byteIndex(off + size - 1);
  if (f.stackType[slot * 8 + 7] === SlotType.SPILL && f.spilled[slot]) {
    const sp = f.spilled[slot]!;
    if (size === 8 && off % 8 === 0) return regCopy(sp);
    if (isPointer(sp)) fail(env, 'invalid size of register fill');
    // Narrow fill of a spilled scalar: a known constant stays known, otherwise unknown of that size.
    if (tnumIsConst(sp.num.varOff) && !signExtend) {
      const byteOff = off + (slot + 1) * 8;
      const v = (sp.num.varOff.value >> BigInt(byteOff * 8)) & ((1n << BigInt(size * 8)) - 1n);
      const r = regScalarUnknown();
      r.num = scalarConst(v);
      return r;
    }
    return loadedScalar(size, signExtend);
  }
  let allZero = true;
  for (let b = i; b >= top; b--) {
    const t = f.stackType[b]!;
    if (t === SlotType.ZERO) continue;
    allZero = false;
    if (t === SlotType.MISC) continue;
    if (t === SlotType.SPILL) {
      const sp = f.spilled[b >> 3];
      if (sp && isPointer(sp) && !env.privileged) fail(env, `invalid read from stack R${regnoOf(env)} off=${off} size=${size}`);
      continue;
    }
    if (!env.allowUninitStack) fail(env, `invalid read from stack R${regnoOf(env)} off=${off} size=${size}`);
  }
  if (allZero) return regScalarConstZero();
  return loadedScalar(size, signExtend);
}

function regScalarConstZero(): Reg {
  const r = regScalarUnknown();
  r.num = scalarConst(0n);
  return r;
}

/** Reads the constant bytes of a read-only map (libbpf freezes .rodata, so the kernel knows them). */
function readonlyMapValue(env: Env, map: number, off: number, size: number, signExtend: boolean): Reg | null {
  const m = env.maps[map];
  if (!m || m.origin !== 'rodata' || !m.initialData) return null;
  if (off < 0 || off + size > m.initialData.length) return null;
  let v = 0n;
  for (let b = size - 1; b >= 0; b--) v = (v << 8n) | BigInt(m.initialData[off + b]!);
  const r = regScalarUnknown();
  r.num = scalarConst(signExtend ? BigInt.asIntN(size * 8, v) : v);
  return r;
}

function mayWritePacket(env: Env): boolean {
  switch (env.progType) {
    case BpfProgType.SCHED_CLS:
    case BpfProgType.SCHED_ACT:
    case BpfProgType.XDP:
    case BpfProgType.LWT_XMIT:
    case BpfProgType.SK_SKB:
    case BpfProgType.SK_MSG:
      return true;
    default:
      return false;
  }
}

/**
 * check_mem_access: a load (`value` null, returns the loaded register) or a store of `value` / an
 * immediate through register `regno` at `off`.
 */
export function checkMemAccess(
  env: Env,
  regno: number,
  off: number,
  size: number,
  access: Access,
  value: Reg | null,
  opts: { immZero?: boolean; signExtend?: boolean; valueRegno?: number; isAtomic?: boolean } = {},
): Reg | null {
  const reg = frameOf(env).regs[regno]!;
  const write = access === 'write';
  const signExtend = opts.signExtend ?? false;
  if (reg.flags & PTR_MAYBE_NULL || !isPointer(reg) || reg.type === RegType.PTR_TO_PACKET_END || reg.type === RegType.CONST_PTR_TO_MAP || reg.type === RegType.PTR_TO_FUNC) {
    if (reg.type === RegType.NOT_INIT) fail(env, `R${regno} !read_ok`);
    fail(env, `R${regno} invalid mem access '${regName(reg)}'`);
  }
  const leaking = write && value !== null && isPointer(value) && !env.privileged;
  switch (reg.type) {
    case RegType.PTR_TO_STACK: {
      const n = reg.num;
      const fixed = tnumIsConst(n.varOff);
      if (fixed) {
        const total = Number(BigInt.asIntN(64, n.varOff.value)) + reg.off + off;
        if (total % size !== 0) fail(env, `misaligned stack access off ${tnumFormat(n.varOff)}+${reg.off + off} size ${size}`);
      }
      const [lo, hi] = checkStackBounds(env, regno, reg, off, size, write ? 'write' : 'read');
      const f = stackFrameOf(env, reg);
      if (fixed) {
        if (write) {
          stackWriteFixed(env, f, lo, size, value, opts.immZero ?? false);
          return null;
        }
        return stackReadFixed(env, f, lo, size, signExtend);
      }
      if (!env.privileged) fail(env, `R${regno} variable stack access prohibited for !root, var_off=${tnumFormat(n.varOff)} off=${off}`);
      if (write) {
        if (value && isPointer(value)) fail(env, `R${regno} variable stack access prohibited for !root`);
        markStackBytes(env, f, lo, hi, SlotType.MISC);
        return null;
      }
      for (let o = lo; o < hi; o++) {
        const t = f.stackType[byteIndex(o)];
        if (t === SlotType.INVALID && !env.allowUninitStack) {
          fail(env, `invalid variable-offset read from stack R${regno} var_off=${tnumFormat(n.varOff)} off=${off} size=${size}`);
        }
      }
      return loadedScalar(size, signExtend);
    }
    case RegType.PTR_TO_MAP_VALUE: {
      const m = env.maps[reg.map];
      if (write && isMapReadonly(env, reg.map)) {
        fail(env, `write into map forbidden, value_size=${m?.valueSize ?? 0} off=${reg.off + off} size=${size}`);
      }
      if (leaking) fail(env, `R${opts.valueRegno ?? 0} leaks addr into map`);
      checkRegionAccess(env, regno, reg, reg.off + off, size, m?.valueSize ?? 0, false);
      checkSpinLockUntouched(env, reg, reg.off + off, size);
      if (write) return null;
      if (tnumIsConst(reg.num.varOff)) {
        const known = readonlyMapValue(env, reg.map, reg.off + off + Number(reg.num.varOff.value), size, signExtend);
        if (known) return known;
      }
      return loadedScalar(size, signExtend);
    }
    case RegType.PTR_TO_MAP_KEY: {
      if (write) fail(env, `write to change key R${regno} not allowed`);
      checkRegionAccess(env, regno, reg, reg.off + off, size, env.maps[reg.map]?.keySize ?? 0, false);
      return loadedScalar(size, signExtend);
    }
    case RegType.PTR_TO_MEM: {
      if (write && reg.flags & MEM_RDONLY) fail(env, `R${regno} cannot write into ${regName(reg)}`);
      if (leaking) fail(env, `R${opts.valueRegno ?? 0} leaks addr into mem`);
      checkRegionAccess(env, regno, reg, reg.off + off, size, reg.memSize, false);
      return write ? null : loadedScalar(size, signExtend);
    }
    case RegType.PTR_TO_CTX: {
      if (opts.isAtomic) fail(env, `BPF_ATOMIC stores into R${regno} ${regName(reg)} is not allowed`);
      if (leaking) fail(env, `R${opts.valueRegno ?? 0} leaks addr into ctx`);
      checkPtrOffZero(env, regno, reg);
      if (env.tracingCtx) return tracingCtxLoad(env, env.tracingCtx, off, size, write, signExtend);
      const a = ctxAccess(env.progType, off, size, write, env.privileged);
      if (!a.ok) fail(env, `invalid bpf_context access off=${off} size=${size}`);
      if (write) return null;
      if (a.regType === RegType.SCALAR) return loadedScalar(size, signExtend);
      const p = regPointer(a.regType, a.maybeNull ? PTR_MAYBE_NULL : 0);
      if (a.maybeNull) p.id = env.newId();
      return p;
    }
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META: {
      if (opts.isAtomic) fail(env, `BPF_ATOMIC stores into R${regno} ${regName(reg)} is not allowed`);
      if (write && !mayWritePacket(env)) fail(env, 'cannot write into packet');
      if (leaking) fail(env, `R${opts.valueRegno ?? 0} leaks addr into packet`);
      if (reg.num.smin < 0n) fail(env, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
      // The verified range is measured from the pointer's variable part, which copies with the same id share.
      const lo = reg.off + off;
      if (lo < 0 || lo + size > reg.range) {
        fail(env, `invalid access to packet, off=${lo} size=${size}, R${regno}(id=${reg.id},off=${reg.off},r=${reg.range})\nR${regno} offset is outside of the packet`);
      }
      return write ? null : loadedScalar(size, signExtend);
    }
    case RegType.PTR_TO_BTF_ID:
    case RegType.PTR_TO_SOCK_COMMON: {
      if (write) fail(env, `only read is supported`);
      if (off < 0 || reg.num.varOff.mask !== 0n) fail(env, `R${regno} is ${regName(reg)} invalid negative access: off=${off}`);
      // A pointer field of a kernel struct reads as a pointer to its struct (btf_struct_access); the
      // field is known from the CO-RE relocation of this load.
      const pointee = size === 8 ? env.coreFieldTypes.get(env.insnIdx) : undefined;
      if (pointee) {
        const p = regPointer(RegType.PTR_TO_BTF_ID);
        p.btfName = pointee;
        return p;
      }
      return loadedScalar(size, signExtend);
    }
    default:
      fail(env, `R${regno} invalid mem access '${regName(reg)}'`);
  }
}

/** A read of a BTF-typed tracing context: scalars, or trusted pointers to the kernel struct (PTR_TO_BTF_ID). */
function tracingCtxLoad(env: Env, ctx: TracingCtx, off: number, size: number, write: boolean, signExtend: boolean): Reg | null {
  const denied = `invalid bpf_context access off=${off} size=${size}`;
  if (write || off < 0 || off >= 8 * 12 || off % size !== 0) fail(env, denied);
  const a = tracingCtxAccess(ctx, off, size);
  if (!a.ok) fail(env, `${a.why}\n${denied}`);
  if (a.btfName === null) return loadedScalar(size, signExtend);
  const p = regPointer(RegType.PTR_TO_BTF_ID);
  p.btfName = a.btfName;
  return p;
}

/** Marks a helper-written stack range as initialised (check_helper_mem_access with raw mode). */
export function markStackWritten(env: Env, reg: Reg, lo: number, hi: number): void {
  const f = stackFrameOf(env, reg);
  markStackBytes(env, f, lo, hi, SlotType.MISC);
}

/** check_stack_range_initialized for helper reads of [lo, hi). */
export function checkStackInitialized(env: Env, regno: number, reg: Reg, lo: number, hi: number): void {
  const f = stackFrameOf(env, reg);
  for (let o = lo; o < hi; o++) {
    const t = f.stackType[byteIndex(o)];
    if (t === SlotType.INVALID && !env.allowUninitStack) {
      if (tnumIsConst(reg.num.varOff)) fail(env, `invalid read from stack R${regno} off ${lo}+${o - lo} size ${hi - lo}`);
      fail(env, `invalid read from stack R${regno} var_off ${tnumFormat(reg.num.varOff)}+${o - lo} size ${hi - lo}`);
    }
    if (t === SlotType.SPILL) {
      const sp = f.spilled[byteIndex(o) >> 3];
      if (sp && isPointer(sp) && !env.privileged) fail(env, `invalid read from stack R${regno} off ${lo}+${o - lo} size ${hi - lo}`);
    }
  }
}

/** The spilled constant at a stack slot (for the array-map key elision), or null. */
export function constStackValue(env: Env, reg: Reg, size: number): bigint | null {
  if (!tnumIsConst(reg.num.varOff)) return null;
  const off = Number(BigInt.asIntN(64, reg.num.varOff.value)) + reg.off;
  if (off < -MAX_BPF_STACK || off + size > 0) return null;
  const f = stackFrameOf(env, reg);
  const i = byteIndex(off);
  const slot = i >> 3;
  if (off % 8 === 0 && f.stackType[i] === SlotType.SPILL) {
    const sp = f.spilled[slot];
    if (sp && sp.type === RegType.SCALAR && tnumIsConst(sp.num.varOff)) return sp.num.varOff.value & ((1n << BigInt(size * 8)) - 1n);
    return null;
  }
  for (let b = 0; b < size; b++) if (f.stackType[byteIndex(off + b)] !== SlotType.ZERO) return null;
  return 0n;
}

/** check_map_access: no load or store may touch any byte of the value's bpf_spin_lock. */
function checkSpinLockUntouched(env: Env, reg: Reg, off: number, size: number): void {
  const lock = env.spinLockOffsets[reg.map] ?? -1;
  if (lock < 0) return;
  if (reg.num.smin + BigInt(off) < BigInt(lock + SPIN_LOCK_SIZE) && BigInt(lock) < reg.num.umax + BigInt(off + size)) {
    fail(env, 'bpf_spin_lock cannot be accessed directly by load/store');
  }
}
