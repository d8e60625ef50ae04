import { type Btf, BtfKind, BtfLinkage, parseBtf } from '@bpfleet/btf';
import type { BpfMapSpec, BpfObject, BpfProgramSpec } from '@bpfleet/elf';

/** What the verifier reads from an object's own BTF. Invalid BTF counts as none. */
export function parseObjectBtf(object: BpfObject): Btf | null {
  if (!object.btfBytes) return null;
  try {
    return parseBtf(object.btfBytes);
  } catch {
    return null;
  }
}

function typeOrNull(btf: Btf, id: number): ReturnType<Btf['type']> | null {
  try {
    return btf.resolve(id);
  } catch {
    return null;
  }
}

/**
 * The first instructions of a program's global subprograms, from `.BTF.ext` func info and the FUNC
 * linkage. Without BTF every subprogram counts as static.
 */
export function globalFunctionStarts(btf: Btf | null, program: BpfProgramSpec): number[] {
  if (!btf) return [];
  const starts: number[] = [];
  for (const fi of program.funcInfo) {
    if (fi.insn === 0) continue;
    const t = typeOrNull(btf, fi.btfTypeId);
    if (t?.kind === BtfKind.FUNC && t.linkage === BtfLinkage.GLOBAL) starts.push(fi.insn);
  }
  return starts;
}

/** Size of `struct bpf_spin_lock`. */
export const SPIN_LOCK_SIZE = 4;

/**
 * Per map, the byte offset of the `struct bpf_spin_lock` member of its value (btf_parse_fields,
 * top-level members), or -1.
 */
export function spinLockOffsets(btf: Btf | null, maps: readonly BpfMapSpec[]): number[] {
  return maps.map((m) => {
    if (!btf || !m.btfValueTypeId) return -1;
    const value = typeOrNull(btf, m.btfValueTypeId);
    if (value?.kind !== BtfKind.STRUCT) return -1;
    for (const member of value.members) {
      const t = typeOrNull(btf, member.type);
      if (t?.kind === BtfKind.STRUCT && t.name === 'bpf_spin_lock') return member.bitOffset / 8;
    }
    return -1;
  });
}
