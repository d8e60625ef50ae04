import { BpfMapType } from '@bpfleet/elf';
import type { Instruction } from '@bpfleet/isa';
import { Arg, type HelperProto, HELPERS, MAX_HELPER_ID, Ret, familiesOf } from '../helpers/protos.js';
import { MAX_CALL_FRAMES } from '../opcodes.js';
import type { GlobalFuncSignature } from '../object-btf.js';
import { scalarUnknown } from '../scalar/bounds.js';
import { tnumIsConst } from '../scalar/tnum.js';
import {
  type Reg,
  MEM_RINGBUF,
  PTR_MAYBE_NULL,
  RegType,
  isPacketPointer,
  isPointer,
  regCopy,
  regName,
  regNotInit,
  regPointer,
  regScalarUnknown,
  regTypeName,
} from '../state/reg.js';
import { type VState, newFrame } from '../state/state.js';
import { readReg, setReg } from './alu-check.js';
import { type Env, frameOf, updateRegs } from './env.js';
import { VerifyFail } from './errors.js';
import { checkPtrOffZero, checkRegionAccess, checkStackBounds, checkStackInitialized, constStackValue, markStackWritten } from './memory.js';

function fail(env: Env, message: string): never {
  throw new VerifyFail(env.insnIdx, message);
}

const BPF_MAX_VAR_SIZ = 1 << 29;

interface ArgMeta {
  map: number;
  /** Register number of the last memory argument (for the size that follows). */
  memRegno: number;
  memWrite: boolean;
  allocSize: number;
  releaseRef: number;
  callback: number;
  callbackCtx: Reg | null;
}

type TypeSpec = [RegType, number][];

const MAP_KEY_VALUE: TypeSpec = [
  [RegType.PTR_TO_STACK, 0],
  [RegType.PTR_TO_PACKET, 0],
  [RegType.PTR_TO_PACKET_META, 0],
  [RegType.PTR_TO_MAP_KEY, 0],
  [RegType.PTR_TO_MAP_VALUE, 0],
];
const MEM_TYPES: TypeSpec = [...MAP_KEY_VALUE, [RegType.PTR_TO_MEM, 0], [RegType.PTR_TO_MEM, MEM_RINGBUF]];
/** Names the kernel lists for memory arguments but we never produce (buffers, trusted BTF pointers). */
const MEM_EXTRA_NAMES = ['buf', 'trusted_ptr_'];

function compatible(arg: Arg): TypeSpec | null {
  switch (arg) {
    case Arg.CONST_MAP_PTR:
      return [[RegType.CONST_PTR_TO_MAP, 0]];
    case Arg.PTR_TO_LONG:
      return MAP_KEY_VALUE;
    case Arg.PTR_TO_MAP_KEY:
    case Arg.PTR_TO_MAP_VALUE:
    case Arg.PTR_TO_MEM:
    case Arg.PTR_TO_UNINIT_MEM:
    case Arg.PTR_TO_RDONLY_MEM:
      return MEM_TYPES;
    case Arg.PTR_TO_CTX:
      return [[RegType.PTR_TO_CTX, 0]];
    case Arg.PTR_TO_SPIN_LOCK:
    case Arg.PTR_TO_CONST_STR:
      return [[RegType.PTR_TO_MAP_VALUE, 0]];
    case Arg.PTR_TO_RINGBUF_MEM:
      return [[RegType.PTR_TO_MEM, MEM_RINGBUF]];
    case Arg.PTR_TO_FUNC:
      return [[RegType.PTR_TO_FUNC, 0]];
    case Arg.PTR_TO_STACK_OR_NULL:
      return [[RegType.PTR_TO_STACK, 0]];
    case Arg.PTR_TO_BTF_ID_TASK:
      return [[RegType.PTR_TO_BTF_ID, 0]];
    case Arg.CONST_SIZE:
    case Arg.CONST_SIZE_OR_ZERO:
    case Arg.CONST_ALLOC_SIZE_OR_ZERO:
      return [[RegType.SCALAR, 0]];
    default:
      return null;
  }
}

function isNullScalar(reg: Reg): boolean {
  return reg.type === RegType.SCALAR && tnumIsConst(reg.num.varOff) && reg.num.varOff.value === 0n;
}

/** check_reg_type with the kernel's "R2 type=scalar expected=fp, pkt, ..." wording. */
function checkRegType(env: Env, regno: number, reg: Reg, arg: Arg): void {
  const spec = compatible(arg);
  if (!spec) return;
  if (arg === Arg.PTR_TO_STACK_OR_NULL && isNullScalar(reg)) return;
  const ok = spec.some(([t, f]) => t === reg.type && f === (reg.flags & ~0));
  if (ok) {
    if (arg === Arg.PTR_TO_BTF_ID_TASK && reg.btfName !== 'task_struct') {
      fail(env, `R${regno} is of type ${reg.btfName} but task_struct is expected`);
    }
    return;
  }
  const names = spec.map(([t, f]) => regTypeName(t, f, arg === Arg.PTR_TO_BTF_ID_TASK ? 'task_struct' : ''));
  if (spec === MEM_TYPES) names.push(...MEM_EXTRA_NAMES);
  fail(env, `R${regno} type=${regName(reg)} expected=${names.join(', ')}`);
}

/** check_helper_mem_access: `size` bytes through register `regno` (read or written by the helper). */
function checkHelperMem(env: Env, regno: number, size: number, write: boolean, zeroOk: boolean): void {
  const reg = frameOf(env).regs[regno]!;
  switch (reg.type) {
    case RegType.PTR_TO_STACK: {
      const [lo, hi] = checkStackBounds(env, regno, reg, 0, size, write ? 'write' : 'read');
      if (size === 0) return;
      if (write) markStackWritten(env, reg, lo, hi);
      else checkStackInitialized(env, regno, reg, lo, hi);
      return;
    }
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META: {
      const lo = reg.off;
      if (reg.num.smin < 0n) fail(env, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
      if (lo < 0 || lo + size > reg.range) {
        fail(env, `invalid access to packet, off=${reg.off} size=${size}, R${regno}(id=${reg.id},off=${reg.off},r=${reg.range})\nR${regno} offset is outside of the packet`);
      }
      return;
    }
    case RegType.PTR_TO_MAP_VALUE: {
      const m = env.maps[reg.map];
      if (write && m && (m.origin === 'rodata' || (m.flags & (1 << 7)) !== 0)) {
        fail(env, `write into map forbidden, value_size=${m.valueSize} off=${reg.off} size=${size}`);
      }
      checkRegionAccess(env, regno, reg, reg.off, size, m?.valueSize ?? 0, zeroOk);
      return;
    }
    case RegType.PTR_TO_MAP_KEY:
      checkRegionAccess(env, regno, reg, reg.off, size, env.maps[reg.map]?.keySize ?? 0, zeroOk);
      return;
    case RegType.PTR_TO_MEM:
      checkRegionAccess(env, regno, reg, reg.off, size, reg.memSize, zeroOk);
      return;
    default:
      if (zeroOk && size === 0 && isNullScalar(reg)) return;
      fail(env, `R${regno} type=${regName(reg)} expected=fp, pkt, pkt_meta, map_key, map_value, mem`);
  }
}

/** check_mem_size_reg: the size register that follows a memory argument. */
function checkSizeArg(env: Env, regno: number, reg: Reg, meta: ArgMeta, zeroOk: boolean): void {
  if (reg.num.smin < 0n) fail(env, `R${regno} min value is negative, either use unsigned or 'var &= const'`);
  if (reg.num.umin === 0n && !zeroOk) fail(env, `R${regno} invalid zero-sized read: u64=[${reg.num.umin},${reg.num.umax}]`);
  if (reg.num.umax >= BigInt(BPF_MAX_VAR_SIZ)) fail(env, `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
  checkHelperMem(env, meta.memRegno, Number(reg.num.umax), meta.memWrite, zeroOk);
}

function helperAllowed(env: Env, proto: HelperProto): boolean {
  if (proto.since > env.profile.version) return false;
  if ((familiesOf(env.progType) & proto.families) === 0) return false;
  if (proto.privileged && !env.privileged) return false;
  return true;
}

/** check_map_func_compatibility (the pairs our helpers care about). */
function checkMapCompat(env: Env, proto: HelperProto, map: number): void {
  const m = env.maps[map];
  if (!m) return;
  const t = m.type;
  const bad = (): never => fail(env, `cannot pass map_type ${t} into func ${proto.name}#${proto.id}`);
  switch (proto.id) {
    case 12:
      if (t !== BpfMapType.PROG_ARRAY) fail(env, env.profile.version >= 613 ? 'expected prog array map for tail call' : `cannot pass map_type ${t} into func ${proto.name}#${proto.id}`);
      break;
    case 25:
    case 22:
    case 55:
      if (t !== BpfMapType.PERF_EVENT_ARRAY) bad();
      break;
    case 27:
      if (t !== BpfMapType.STACK_TRACE) bad();
      break;
    case 130:
    case 131:
    case 134:
      if (t !== BpfMapType.RINGBUF) bad();
      break;
    case 51:
      if (t !== BpfMapType.DEVMAP && t !== BpfMapType.DEVMAP_HASH && t !== BpfMapType.CPUMAP && t !== BpfMapType.XSKMAP) bad();
      break;
    case 87:
    case 88:
    case 89:
      if (t !== BpfMapType.QUEUE && t !== BpfMapType.STACK && t !== BpfMapType.BLOOM_FILTER) bad();
      break;
    default:
      break;
  }
  // The reverse direction: these map types only work with their own helpers.
  const onlyWith = (ids: number[]): void => {
    if (!ids.includes(proto.id)) bad();
  };
  if (t === BpfMapType.RINGBUF) onlyWith([130, 131, 134]);
  if (t === BpfMapType.PROG_ARRAY) onlyWith([12]);
  if (t === BpfMapType.PERF_EVENT_ARRAY) onlyWith([25, 22, 55]);
  if (t === BpfMapType.STACK_TRACE) onlyWith([27]);
}

/** release_reference: drop the reference and invalidate every register that carried it. */
function releaseReference(env: Env, refId: number): void {
  const refs = env.state.refs;
  const i = refs.findIndex((r) => r.id === refId);
  if (i < 0) fail(env, `R1 must be referenced when passed to release function`);
  refs.splice(i, 1);
  updateRegs(env.state, (reg) => reg.refObjId === refId, (reg) => invalidate(env, reg));
}

function invalidate(env: Env, reg: Reg): void {
  const fresh = env.privileged ? regScalarUnknown() : regNotInit();
  Object.assign(reg, fresh);
}

/** Packet data may move after these helpers: every packet pointer becomes unusable. */
function clearPacketPointers(env: Env): void {
  updateRegs(env.state, (reg) => isPacketPointer(reg) || reg.type === RegType.PTR_TO_PACKET_END, (reg) => invalidate(env, reg));
}

export interface CallResult {
  /** A callback frame to verify before continuing (bpf_loop / for_each_map_elem). */
  callback?: { subprogStart: number; args: Reg[] };
}

/** check_helper_call. */
export function checkHelperCall(env: Env, insn: Instruction): CallResult {
  if (insn.dst !== 0 || insn.offset !== 0) fail(env, 'BPF_CALL uses reserved fields');
  const id = insn.imm;
  if (id < 0 || id > MAX_HELPER_ID) fail(env, `invalid func unknown#${id}`);
  const proto = HELPERS.get(id);
  if (!proto || !helperAllowed(env, proto)) {
    const name = proto?.name ?? 'unknown';
    if (env.profile.modernLog) fail(env, `program of this type cannot use helper ${name}#${id}`);
    fail(env, `unknown func ${name}#${id}`);
  }
  if (proto.mightSleep && !env.sleepable) fail(env, 'helper call might sleep in a non-sleepable prog');
  if (env.state.lock.id !== 0 && id !== 94) fail(env, 'function calls are not allowed while holding a lock');
  const meta: ArgMeta = { map: -1, memRegno: 0, memWrite: false, allocSize: 0, releaseRef: 0, callback: -1, callbackCtx: null };
  const regs = frameOf(env).regs;
  for (let a = 0; a < proto.args.length; a++) {
    const arg = proto.args[a]!;
    const regno = a + 1;
    const reg = readReg(env, regno);
    if (arg === Arg.ANYTHING) {
      if (isPointer(reg) && !env.privileged) fail(env, `R${regno} leaks addr into helper function`);
      continue;
    }
    // check_func_arg: a known NULL passes a `| PTR_MAYBE_NULL` argument; its size must then be zero.
    if (proto.maybeNullArgs?.includes(regno) && reg.type === RegType.SCALAR) env.markPrecise();
    if (proto.maybeNullArgs?.includes(regno) && isNullScalar(reg)) {
      meta.memRegno = regno;
      meta.memWrite = arg === Arg.PTR_TO_UNINIT_MEM;
      continue;
    }
    if ((reg.flags & PTR_MAYBE_NULL) !== 0) {
      const spec = compatible(arg) ?? [];
      const names = spec.map(([t, f]) => regTypeName(t, f));
      if (spec === MEM_TYPES) names.push(...MEM_EXTRA_NAMES);
      fail(env, `R${regno} type=${regName(reg)} expected=${names.join(', ')}`);
    }
    checkRegType(env, regno, reg, arg);
    switch (arg) {
      case Arg.CONST_MAP_PTR:
        meta.map = reg.map;
        checkMapCompat(env, proto, reg.map);
        break;
      case Arg.PTR_TO_CTX:
        checkPtrOffZero(env, regno, reg);
        break;
      case Arg.PTR_TO_MAP_KEY: {
        const m = env.maps[meta.map];
        if (!m) fail(env, 'invalid map_ptr to access map->key');
        checkHelperMem(env, regno, m.keySize, false, false);
        break;
      }
      case Arg.PTR_TO_MAP_VALUE: {
        const m = env.maps[meta.map];
        if (!m) fail(env, 'invalid map_ptr to access map->value');
        checkHelperMem(env, regno, m.valueSize, false, false);
        break;
      }
      case Arg.PTR_TO_MEM:
      case Arg.PTR_TO_RDONLY_MEM:
        meta.memRegno = regno;
        meta.memWrite = false;
        break;
      case Arg.PTR_TO_UNINIT_MEM:
        meta.memRegno = regno;
        meta.memWrite = true;
        break;
      case Arg.CONST_SIZE:
      case Arg.CONST_SIZE_OR_ZERO:
        env.markPrecise();
        checkSizeArg(env, regno, reg, meta, arg === Arg.CONST_SIZE_OR_ZERO);
        break;
      case Arg.CONST_ALLOC_SIZE_OR_ZERO:
        env.markPrecise();
        if (!tnumIsConst(reg.num.varOff)) fail(env, `R${regno} is not a known constant'`);
        meta.allocSize = Number(reg.num.varOff.value);
        break;
      case Arg.PTR_TO_LONG:
        checkHelperMem(env, regno, 8, true, false);
        break;
      case Arg.PTR_TO_RINGBUF_MEM:
        if (!reg.refObjId) fail(env, `R${regno} must be referenced when passed to release function`);
        if (reg.off !== 0 || !tnumIsConst(reg.num.varOff) || reg.num.varOff.value !== 0n) {
          fail(env, `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`);
        }
        meta.releaseRef = reg.refObjId;
        break;
      case Arg.PTR_TO_SPIN_LOCK:
        if (!tnumIsConst(reg.num.varOff)) fail(env, `R${regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset`);
        if (id === 93) {
          if (env.state.lock.id !== 0) fail(env, 'Locking two bpf_spin_locks are not allowed');
          env.state.lock = { id: reg.id || -1 - reg.map, map: reg.map };
        } else {
          if (env.state.lock.id === 0) fail(env, 'bpf_spin_unlock without taking a lock');
          if (env.state.lock.map !== reg.map || env.state.lock.id !== (reg.id || -1 - reg.map)) fail(env, 'bpf_spin_unlock of different lock');
          env.state.lock = { id: 0, map: -1 };
        }
        break;
      case Arg.PTR_TO_FUNC:
        meta.callback = reg.func;
        break;
      case Arg.PTR_TO_STACK_OR_NULL:
        if (reg.type === RegType.SCALAR) env.markPrecise();
        meta.callbackCtx = regCopy(reg);
        break;
      case Arg.PTR_TO_CONST_STR:
        if (!env.maps[reg.map] || env.maps[reg.map]!.origin !== 'rodata') fail(env, `R${regno} does not point to a readonly map'`);
        break;
      default:
        break;
    }
  }
  if (proto.releaseArg) releaseReference(env, meta.releaseRef);

  // bpf_map_lookup_elem on an array with a constant in-range key cannot fail (newer kernels know this).
  let lookupNonNull = false;
  if (id === 1 && env.profile.version >= 614) {
    const m = env.maps[meta.map];
    if (m && (m.type === BpfMapType.ARRAY || m.type === BpfMapType.PERCPU_ARRAY)) {
      // Whether the result may be NULL now depends on the key's value.
      env.markPrecise();
      const key = constStackValue(env, regs[2]!, m.keySize);
      if (key !== null && key < BigInt(m.maxEntries)) lookupNonNull = true;
    }
  }

  const result: CallResult = {};
  if (meta.callback >= 0) {
    const args: Reg[] = [];
    if (id === 181) {
      // bpf_loop(nr_loops, callback_fn, callback_ctx, flags): callback(u32 index, void *ctx).
      const idx = regScalarUnknown();
      idx.num = scalarUnknown();
      idx.num.umax = 0xffff_ffffn;
      idx.num.smin = 0n;
      idx.num.smax = 0xffff_ffffn;
      idx.num.varOff = { value: 0n, mask: 0xffff_ffffn };
      args.push(idx, meta.callbackCtx ? regCopy(meta.callbackCtx) : regScalarUnknown());
    } else {
      // for_each_map_elem: callback(map, key, value, ctx).
      const mapReg = regPointer(RegType.CONST_PTR_TO_MAP);
      mapReg.map = meta.map;
      const key = regPointer(RegType.PTR_TO_MAP_KEY);
      key.map = meta.map;
      const value = regPointer(RegType.PTR_TO_MAP_VALUE);
      value.map = meta.map;
      args.push(mapReg, key, value, meta.callbackCtx ? regCopy(meta.callbackCtx) : regScalarUnknown());
    }
    result.callback = { subprogStart: meta.callback, args };
  }

  // The call clobbers R1-R5 and defines R0 from the return type.
  for (let r = 1; r <= 5; r++) {
    Object.assign(regs[r]!, regNotInit());
    env.scratchedRegs |= 1 << r;
  }
  let r0: Reg;
  switch (proto.ret) {
    case Ret.INTEGER:
      r0 = regScalarUnknown();
      break;
    case Ret.VOID:
      r0 = regNotInit();
      break;
    case Ret.PTR_TO_MAP_VALUE_OR_NULL:
      r0 = regPointer(RegType.PTR_TO_MAP_VALUE, lookupNonNull ? 0 : PTR_MAYBE_NULL);
      r0.map = meta.map;
      if (!lookupNonNull) r0.id = env.newId();
      break;
    case Ret.PTR_TO_RINGBUF_MEM_OR_NULL: {
      r0 = regPointer(RegType.PTR_TO_MEM, MEM_RINGBUF | PTR_MAYBE_NULL);
      r0.memSize = meta.allocSize;
      r0.id = env.newId();
      r0.refObjId = r0.id;
      env.state.refs.push({ id: r0.id, insn: env.insnIdx });
      break;
    }
    case Ret.PTR_TO_BTF_ID_TASK:
      r0 = regPointer(RegType.PTR_TO_BTF_ID);
      r0.btfName = 'task_struct';
      break;
    case Ret.PTR_TO_BTF_ID_PT_REGS:
      r0 = regPointer(RegType.PTR_TO_BTF_ID);
      r0.btfName = 'pt_regs';
      break;
  }
  if (proto.id === 131 && meta.allocSize === 0) r0.memSize = 0;
  setReg(env, 0, r0);
  if (proto.changesPkt) clearPacketPointers(env);
  return result;
}

/** check_func_call: enter a bpf-to-bpf subprogram (or a callback) with R1-R5 as arguments. */
export function enterFrame(env: Env, state: VState, callsite: number, target: number, subprog: number, args: Reg[] | null, isCallback: boolean): void {
  if (state.frames.length >= MAX_CALL_FRAMES) fail(env, `the call stack of ${state.frames.length + 1} frames is too deep !`);
  const caller = state.frames[state.frames.length - 1]!;
  const callee = newFrame(state.frames.length, subprog, callsite);
  callee.inCallback = isCallback;
  for (let r = 1; r <= 5; r++) {
    const src = args ? args[r - 1] : caller.regs[r];
    if (src) callee.regs[r] = regCopy(src);
  }
  if (!isCallback) {
    for (let r = 0; r <= 5; r++) Object.assign(caller.regs[r]!, regNotInit());
  }
  state.frames.push(callee);
  state.insn = target;
}

/**
 * btf_check_func_arg_match for a call to a global subprogram: each argument register must fit the
 * type the callee was verified with (a scalar, the unmodified context, or memory of the prototype's
 * size that is readable and writable, or NULL).
 */
export function checkGlobalCallArgs(env: Env, sig: GlobalFuncSignature, subprog: number): void {
  const invalid = (detail: string): never => fail(env, `${detail}\nCaller passes invalid args into func#${subprog} ('${sig.name}')`);
  if (sig.unsupported) invalid(sig.unsupported);
  const regs = frameOf(env).regs;
  for (let i = 0; i < sig.args.length; i++) {
    const arg = sig.args[i]!;
    const regno = i + 1;
    const reg = regs[regno]!;
    if (arg.kind === 'scalar') {
      if (reg.type !== RegType.SCALAR) invalid(`R${regno} is not a scalar`);
      continue;
    }
    if (arg.kind === 'ctx') {
      if (reg.type === RegType.PTR_TO_CTX) {
        try {
          checkPtrOffZero(env, regno, reg);
        } catch (e) {
          if (e instanceof VerifyFail) invalid(e.message);
          throw e;
        }
      } else {
        invalid(`arg#${i} expects pointer to ctx`);
      }
      continue;
    }
    // check_mem_reg: NULL is fine; otherwise the memory must be readable and writable as if non-NULL.
    if (reg.type === RegType.SCALAR) env.markPrecise();
    if (isNullScalar(reg)) continue;
    if (arg.nonNull && reg.flags & PTR_MAYBE_NULL) invalid(`arg#${i} is expected to be non-NULL`);
    const saved = regCopy(reg);
    reg.flags &= ~PTR_MAYBE_NULL;
    try {
      checkHelperMem(env, regno, arg.size, false, true);
      checkHelperMem(env, regno, arg.size, true, true);
    } catch (e) {
      if (e instanceof VerifyFail) invalid(e.message);
      throw e;
    } finally {
      Object.assign(reg, saved);
    }
  }
}

/** The registers a global subprogram is verified with (do_check_common for a subprog). */
export function globalEntryRegs(env: Env, sig: GlobalFuncSignature): Reg[] {
  return sig.args.map((arg) => {
    if (arg.kind === 'scalar') return regScalarUnknown();
    if (arg.kind === 'ctx') return regPointer(RegType.PTR_TO_CTX);
    const r = regPointer(RegType.PTR_TO_MEM, arg.nonNull ? 0 : PTR_MAYBE_NULL);
    r.memSize = arg.size;
    if (!arg.nonNull) r.id = env.newId();
    return r;
  });
}
