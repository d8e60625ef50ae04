import type { Instruction } from '@bpfleet/isa';
import { BPF_ALU64, BPF_MAX_VAR_OFF, BPF_X, classOf, opOf, srcOf } from '../opcodes.js';
import { AluOp, scalarAlu } from '../scalar/alu.js';
import { type Scalar, S64_MIN, scalarConst, scalarCopy, signExtendFrom, syncBounds, zext32To64 } from '../scalar/bounds.js';
import { tnumAdd, tnumFormat, tnumIsConst, tnumSub } from '../scalar/tnum.js';
import {
  type Reg,
  PTR_MAYBE_NULL,
  RegType,
  isPacketPointer,
  isPointer,
  immReg,
  regMove,
  regCopy,
  regName,
  regScalarUnknown,
} from '../state/reg.js';
import { type Env, frameOf } from './env.js';
import { VerifyFail } from './errors.js';

const OP_NAME: Record<number, string> = {
  0x00: '+=', 0x10: '-=', 0x20: '*=', 0x30: '/=', 0x40: '|=', 0x50: '&=', 0x60: '<<=', 0x70: '>>=', 0x80: 'neg',
  0x90: '%=', 0xa0: '^=', 0xb0: '=', 0xc0: 's>>=', 0xd0: 'endian',
};

function fail(env: Env, message: string): never {
  throw new VerifyFail(env.insnIdx, message);
}

/** check_reg_arg(SRC_OP). */
export function readReg(env: Env, r: number): Reg {
  if (r > 10) fail(env, `R${r} is invalid`);
  const reg = frameOf(env).regs[r]!;
  if (reg.type === RegType.NOT_INIT) fail(env, `R${r} !read_ok`);
  env.scratchedRegs |= 1 << r;
  return reg;
}

/** check_reg_arg(DST_OP): returns the register to overwrite. */
export function writeReg(env: Env, r: number): Reg {
  if (r > 10) fail(env, `R${r} is invalid`);
  if (r === 10) fail(env, 'frame pointer is read only');
  env.scratchedRegs |= 1 << r;
  const reg = frameOf(env).regs[r]!;
  reg.written = true;
  return reg;
}

/**
 * Writes register `r`. `value` must be a register the caller just made (every caller passes a copy
 * or a new register): its scalar is taken over rather than copied again.
 */
export function setReg(env: Env, r: number, value: Reg): void {
  const dst = writeReg(env, r);
  regMove(dst, value);
  dst.written = true;
}

/** Reserved-field and opcode validity checks of BPF_ALU / BPF_ALU64 (the first part of check_alu_op). */
function checkAluEncoding(env: Env, insn: Instruction): void {
  const op = opOf(insn.opcode);
  const is64 = classOf(insn.opcode) === BPF_ALU64;
  const isX = srcOf(insn.opcode) === BPF_X;
  const v4 = env.profile.cpuV4;
  if (op === AluOp.END || op === AluOp.NEG) {
    if (op === AluOp.NEG) {
      if (isX || insn.src !== 0 || insn.offset !== 0 || insn.imm !== 0) fail(env, 'BPF_NEG uses reserved fields');
    } else if (
      insn.src !== 0 ||
      insn.offset !== 0 ||
      (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) ||
      (is64 && (isX || !v4))
    ) {
      fail(env, 'BPF_END uses reserved fields');
    }
    return;
  }
  if (op === AluOp.MOV) {
    if (isX) {
      const sx = is64 ? [0, 8, 16, 32] : [0, 8, 16];
      if (insn.imm !== 0 || (!v4 && insn.offset !== 0) || !sx.includes(insn.offset)) fail(env, 'BPF_MOV uses reserved fields');
    } else if (insn.src !== 0 || insn.offset !== 0) {
      fail(env, 'BPF_MOV uses reserved fields');
    }
    return;
  }
  if (op > AluOp.END) fail(env, `invalid BPF_ALU opcode ${op.toString(16)}`);
  const signedDivOk = (op === AluOp.DIV || op === AluOp.MOD) && v4 ? [0, 1] : [0];
  if (isX) {
    if (insn.imm !== 0 || !signedDivOk.includes(insn.offset)) fail(env, 'BPF_ALU uses reserved fields');
  } else if (insn.src !== 0 || !signedDivOk.includes(insn.offset)) {
    fail(env, 'BPF_ALU uses reserved fields');
  }
  if ((op === AluOp.DIV || op === AluOp.MOD) && !isX && insn.imm === 0) fail(env, 'div by zero');
  if ((op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH) && !isX) {
    const bits = is64 ? 64 : 32;
    if (insn.imm < 0 || insn.imm >= bits) fail(env, `invalid shift ${insn.imm}`);
  }
}

/** check_reg_sane_offset. */
function checkSaneOffset(env: Env, reg: Reg, ptrType: string, known: boolean, val: bigint): void {
  if (known && (val >= BigInt(BPF_MAX_VAR_OFF) || val <= -BigInt(BPF_MAX_VAR_OFF))) fail(env, `math between ${ptrType} pointer and ${val} is not allowed`);
  if (reg.off >= BPF_MAX_VAR_OFF || reg.off <= -BPF_MAX_VAR_OFF) fail(env, `${ptrType} pointer offset ${reg.off} is not allowed`);
  if (reg.num.smin === S64_MIN) fail(env, `math between ${ptrType} pointer and register with unbounded min value is not allowed`);
  if (reg.num.smin >= BigInt(BPF_MAX_VAR_OFF) || reg.num.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
    fail(env, `value ${reg.num.smin} makes ${ptrType} pointer be out of bounds`);
  }
}

const fitsS32 = (x: number): boolean => x === (x | 0);

/** adjust_ptr_min_max_vals: `ptr OP scalar` (or `scalar + ptr`) written into `dstno`. */
function pointerArith(env: Env, insn: Instruction, dstno: number, ptr: Reg, off: Reg, dstIsScalar: boolean): void {
  // The pointer's offset now depends on the scalar's value.
  env.markPrecise();
  const op = opOf(insn.opcode);
  const is64 = classOf(insn.opcode) === BPF_ALU64;
  if (!is64) {
    if (op === AluOp.SUB && env.privileged) {
      setReg(env, dstno, regScalarUnknown());
      return;
    }
    fail(env, `R${dstno} 32-bit pointer arithmetic prohibited`);
  }
  const name = regName(ptr);
  if (ptr.flags & PTR_MAYBE_NULL) fail(env, `R${dstno} pointer arithmetic on ${name} prohibited, null-check it first`);
  const known = tnumIsConst(off.num.varOff);
  const val = BigInt.asIntN(64, off.num.varOff.value);
  switch (ptr.type) {
    case RegType.PTR_TO_CTX:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_STACK:
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_BTF_ID:
    case RegType.PTR_TO_MEM:
    case RegType.PTR_TO_FUNC:
      break;
    case RegType.CONST_PTR_TO_MAP:
      if (known && val === 0n && op === AluOp.ADD) break;
      return fail(env, `R${dstno} pointer arithmetic on ${name} prohibited`);
    default:
      fail(env, `R${dstno} pointer arithmetic on ${name} prohibited`);
  }
  checkSaneOffset(env, off, name, known, val);
  checkSaneOffset(env, ptr, name, false, 0n);
  const result = regCopy(ptr);
  switch (op) {
    case AluOp.ADD: {
      const fixed = ptr.off + Number(val);
      if (known && fitsS32(fixed)) {
        result.off = fixed;
        break;
      }
      const sum: Scalar = scalarCopy(ptr.num);
      addRanges(sum, off.num);
      result.num = sum;
      if (isPacketPointer(ptr)) {
        result.id = env.newId();
        result.range = 0;
      }
      break;
    }
    case AluOp.SUB: {
      if (dstIsScalar) fail(env, `R${dstno} tried to subtract pointer from scalar`);
      if (ptr.type === RegType.PTR_TO_STACK) fail(env, `R${dstno} subtraction from stack pointer prohibited`);
      const fixed = ptr.off - Number(val);
      if (known && fitsS32(fixed)) {
        result.off = fixed;
        break;
      }
      const diff: Scalar = scalarCopy(ptr.num);
      subRanges(diff, off.num);
      result.num = diff;
      if (isPacketPointer(ptr)) {
        result.id = env.newId();
        result.range = 0;
      }
      break;
    }
    case AluOp.AND:
    case AluOp.OR:
    case AluOp.XOR:
      return fail(env, `R${dstno} bitwise operator ${OP_NAME[op]} on pointer prohibited`);
    default:
      fail(env, `R${dstno} pointer arithmetic with ${OP_NAME[op]} operator prohibited`);
  }
  checkSaneOffset(env, result, name, false, 0n);
  if (!env.privileged && result.type === RegType.PTR_TO_STACK && !tnumIsConst(result.num.varOff)) {
    fail(env, `R${dstno} variable stack access prohibited for !root, var_off=${tnumFormat(result.num.varOff)} off=${result.off}`);
  }
  setReg(env, dstno, result);
}

function addRanges(d: Scalar, s: Scalar): void {
  const t = tnumAdd(d.varOff, s.varOff);
  scalarAlu(AluOp.ADD, d, s, true);
  d.varOff = t;
  syncBounds(d);
}

function subRanges(d: Scalar, s: Scalar): void {
  const t = tnumSub(d.varOff, s.varOff);
  scalarAlu(AluOp.SUB, d, s, true);
  d.varOff = t;
  syncBounds(d);
}

/** check_alu_op for one BPF_ALU/BPF_ALU64 instruction. */
export function checkAlu(env: Env, insn: Instruction): void {
  checkAluEncoding(env, insn);
  const op = opOf(insn.opcode);
  const is64 = classOf(insn.opcode) === BPF_ALU64;
  const isX = srcOf(insn.opcode) === BPF_X;
  const regs = frameOf(env).regs;

  if (op === AluOp.END || op === AluOp.NEG) {
    const dst = readReg(env, insn.dst);
    if (isPointer(dst)) {
      if (!env.privileged) fail(env, `R${insn.dst} pointer arithmetic prohibited`);
      setReg(env, insn.dst, regScalarUnknown());
      return;
    }
    const r = regCopy(dst);
    if (op === AluOp.NEG) scalarAlu(AluOp.NEG, r.num, r.num, is64);
    else {
      // Byte swaps keep only the width: a truncating swap (le16/le32) bounds the value, others are unknown.
      const bits = BigInt(insn.imm);
      const little = !isX && !is64;
      const known = tnumIsConst(r.num.varOff);
      if (little) {
        const masked = scalarCopy(r.num);
        if (bits < 64n) scalarAlu(AluOp.AND, masked, scalarConst((1n << bits) - 1n), true);
        r.num = masked;
      } else if (known) {
        let v = r.num.varOff.value & ((1n << bits) - 1n);
        let out = 0n;
        for (let i = 0n; i < bits; i += 8n) {
          out = (out << 8n) | (v & 0xffn);
          v >>= 8n;
        }
        r.num = scalarConst(out);
      } else {
        const u = regScalarUnknown();
        if (bits < 64n) scalarAlu(AluOp.AND, u.num, scalarConst((1n << bits) - 1n), true);
        r.num = u.num;
      }
    }
    r.id = 0;
    setReg(env, insn.dst, r);
    return;
  }

  if (op === AluOp.MOV) {
    if (isX) {
      const src = readReg(env, insn.src);
      if (insn.offset !== 0) {
        // movsx: sign-extend the low 8/16/32 bits.
        if (isPointer(src) && !env.privileged) fail(env, `R${insn.src} sign-extension part of pointer`);
        const r = isPointer(src) ? regScalarUnknown() : regCopy(src);
        r.id = 0;
        if (!isPointer(src)) signExtendFrom(r.num, insn.offset as 8 | 16 | 32);
        if (!is64) {
          zext32To64(r.num);
          syncBounds(r.num);
        }
        setReg(env, insn.dst, r);
        return;
      }
      if (is64) {
        const r = regCopy(src);
        if (r.type === RegType.SCALAR && !tnumIsConst(r.num.varOff) && r.id === 0) {
          // Copies share an id so a later range check on one refines the other (find_equal_scalars).
          src.id = env.newId();
          r.id = src.id;
        }
        setReg(env, insn.dst, r);
        return;
      }
      if (isPointer(src)) {
        if (!env.privileged) fail(env, `R${insn.src} partial copy of pointer`);
        setReg(env, insn.dst, regScalarUnknown());
        regs[insn.dst]!.num.varOff = { value: 0n, mask: 0xffff_ffffn };
        syncBounds(regs[insn.dst]!.num);
        return;
      }
      const r = regCopy(src);
      r.id = 0;
      zext32To64(r.num);
      syncBounds(r.num);
      setReg(env, insn.dst, r);
      return;
    }
    const r = regScalarUnknown();
    r.num = scalarConst(is64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0));
    setReg(env, insn.dst, r);
    return;
  }

  const dst = readReg(env, insn.dst);
  let src: Reg;
  if (isX) src = readReg(env, insn.src);
  else {
    src = immReg(BigInt(insn.imm));
  }
  if (isPointer(dst) || isPointer(src)) {
    if (isPointer(dst) && isPointer(src)) {
      if (op === AluOp.SUB && env.privileged) {
        // ptr - ptr of the same kind gives a scalar (e.g. packet length).
        setReg(env, insn.dst, regScalarUnknown());
        return;
      }
      fail(env, `R${insn.dst} pointer ${OP_NAME[op]} pointer prohibited`);
    }
    if (isPointer(dst)) pointerArith(env, insn, insn.dst, dst, src, false);
    else if (op === AluOp.ADD || op === AluOp.SUB) pointerArith(env, insn, insn.dst, src, dst, true);
    else {
      if (!env.privileged) fail(env, `R${insn.src} pointer arithmetic with ${OP_NAME[op]} operator prohibited`);
      pointerArith(env, insn, insn.dst, src, dst, true);
    }
    return;
  }
  const r = regCopy(dst);
  r.id = 0;
  if ((op === AluOp.DIV || op === AluOp.MOD) && isX) {
    r.num = regScalarUnknown().num;
    if (!is64) {
      zext32To64(r.num);
      syncBounds(r.num);
    }
  } else {
    scalarAlu(op as AluOp, r.num, src.num, is64);
  }
  setReg(env, insn.dst, r);
}
