import type { BpfMapSpec } from '@bpfleet/elf';
import { type Scalar, S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX } from '../scalar/bounds.js';
import { tnumFormat, tnumIsConst, tnumIsUnknown } from '../scalar/tnum.js';
import { type Reg, RegType, regName } from '../state/reg.js';
import { type Frame, SlotType } from '../state/state.js';

/** print_scalar_ranges: non-default bounds, equal values grouped (`smax=umax=255`). */
function scalarRanges(s: Scalar): string[] {
  const items = [
    { name: 'smin', val: s.smin, omit: s.smin === S64_MIN },
    { name: 'smax', val: s.smax, omit: s.smax === S64_MAX },
    { name: 'umin', val: s.umin, omit: s.umin === 0n },
    { name: 'umax', val: s.umax, omit: s.umax === U64_MAX },
    { name: 'smin32', val: s.s32min, omit: s.s32min === S32_MIN },
    { name: 'smax32', val: s.s32max, omit: s.s32max === S32_MAX },
    { name: 'umin32', val: s.u32min, omit: s.u32min === 0n },
    { name: 'umax32', val: s.u32max, omit: s.u32max === U32_MAX },
  ];
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const a = items[i]!;
    if (a.omit) continue;
    const negA = a.name[0] === 's' && a.val < 0n;
    let text = `${a.name}=`;
    for (let j = i + 2; j < items.length; j += 2) {
      const b = items[j]!;
      if (b.omit) continue;
      const negB = b.name[0] === 's' && b.val < 0n;
      if (negA !== negB || BigInt.asUintN(64, a.val) !== BigInt.asUintN(64, b.val)) continue;
      text += `${b.name}=`;
      b.omit = true;
    }
    out.push(`${text}${a.val}`);
  }
  return out;
}

function scalarText(s: Scalar, id: number): string {
  if (tnumIsConst(s.varOff)) return `${BigInt.asIntN(64, s.varOff.value)}`;
  const parts: string[] = [];
  if (id) parts.push(`id=${id}`);
  parts.push(...scalarRanges(s));
  if (!tnumIsUnknown(s.varOff)) parts.push(`var_off=${tnumFormat(s.varOff)}`);
  return `scalar(${parts.join(',')})`;
}

/** One register as print_reg_state prints it: `0`, `scalar(...)`, `ctx()`, `fp-8`, `map_value(map=m,ks=4,vs=8)`. */
export function formatReg(r: Reg, maps: readonly BpfMapSpec[], curFrameno: number): string {
  if (r.type === RegType.SCALAR) return scalarText(r.num, r.id);
  const name = regName(r);
  if (r.type === RegType.PTR_TO_STACK) {
    const frame = r.frameno !== curFrameno ? `[${r.frameno}]` : '';
    if (tnumIsConst(r.num.varOff)) return `${name}${frame}${Number(BigInt.asIntN(64, r.num.varOff.value)) + r.off}`;
  }
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
  if (r.type === RegType.CONST_PTR_TO_MAP || r.type === RegType.PTR_TO_MAP_VALUE || r.type === RegType.PTR_TO_MAP_KEY) {
    const m = maps[r.map];
    if (m) {
      if (m.name) parts.push(`map=${m.name.slice(0, 15)}`);
      parts.push(`ks=${m.keySize},vs=${m.valueSize}`);
    }
  }
  if (r.off) parts.push(`off=${r.off}`);
  if (r.type === RegType.PTR_TO_PACKET || r.type === RegType.PTR_TO_PACKET_META) parts.push(`r=${r.range}`);
  if (r.type === RegType.PTR_TO_MEM) parts.push(`sz=${r.memSize}`);
  if (!tnumIsConst(r.num.varOff)) {
    parts.push(...scalarRanges(r.num));
    if (!tnumIsUnknown(r.num.varOff)) parts.push(`var_off=${tnumFormat(r.num.varOff)}`);
  }
  return `${name}(${parts.join(',')})`;
}

const SLOT_CHAR: Record<number, string> = { [SlotType.INVALID]: '?', [SlotType.SPILL]: 'r', [SlotType.MISC]: 'm', [SlotType.ZERO]: '0' };

/**
 * A frame's registers and stack as print_verifier_state prints them. `only` limits the output to
 * the registers (bit r) and stack slots the last instruction touched, as level-2 logs do.
 */
export function formatFrame(f: Frame, maps: readonly BpfMapSpec[], only?: { regs: number; slots: Set<number> }): string {
  const parts: string[] = [];
  for (let i = 0; i < f.regs.length; i++) {
    const r = f.regs[i]!;
    if (r.type === RegType.NOT_INIT) continue;
    if (only && !(only.regs & (1 << i))) continue;
    parts.push(`R${i}${r.written ? '_w' : ''}=${formatReg(r, maps, f.frameno)}`);
  }
  const slots = Math.ceil(f.allocated / 8);
  for (let k = 0; k < slots; k++) {
    if (only && !only.slots.has(k)) continue;
    const base = k * 8;
    let any = false;
    let chars = '';
    for (let b = 7; b >= 0; b--) {
      const t = f.stackType[base + b]!;
      if (t !== SlotType.INVALID) any = true;
      chars += SLOT_CHAR[t];
    }
    if (!any) continue;
    const sp = f.spilled[k];
    const off = -(k + 1) * 8;
    if (f.stackType[base + 7] === SlotType.SPILL && sp) parts.push(`fp${off}=${formatReg(sp, maps, f.frameno)}`);
    else parts.push(`fp${off}=${chars}`);
  }
  return parts.join(' ');
}
