import { BtfKind, BtfLinkage, parseBtf } from '@bpfleet/btf';
import type { BpfObject, BpfProgramSpec } from '@bpfleet/elf';

/**
 * The first instructions of a program's global subprograms, from `.BTF.ext` func info and the FUNC
 * linkage in the object's BTF. Without (valid) BTF every subprogram counts as static.
 */
export function globalFunctionStarts(object: BpfObject, program: BpfProgramSpec): number[] {
  if (!object.btfBytes || program.funcInfo.length === 0) return [];
  let btf;
  try {
    btf = parseBtf(object.btfBytes);
  } catch {
    return [];
  }
  const starts: number[] = [];
  for (const fi of program.funcInfo) {
    if (fi.insn === 0) continue;
    let t;
    try {
      t = btf.type(fi.btfTypeId);
    } catch {
      continue;
    }
    if (t.kind === BtfKind.FUNC && t.linkage === BtfLinkage.GLOBAL) starts.push(fi.insn);
  }
  return starts;
}
