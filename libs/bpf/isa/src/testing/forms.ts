import type { Instruction } from '../instruction.js';
import { checkInstruction } from '../validate.js';

/**
 * An instruction "form": the opcode plus the fields that select a different operation (the END
 * width, the atomic operation, the v4 offset selectors, the pseudo source of lddw and call). Tests
 * use it to say how much of the instruction set a corpus covers.
 */
export function formOf(insn: Instruction): string {
  const op = insn.opcode;
  const cls = op & 0x07;
  const hex = op.toString(16).padStart(2, '0');
  if ((cls === 0x04 || cls === 0x07) && (op & 0xf0) === 0xd0) return `${hex}/${insn.imm}`;
  if ((cls === 0x04 || cls === 0x07) && insn.offset !== 0) return `${hex}/o${insn.offset}`;
  if (cls === 0x03 && (op & 0xe0) === 0xc0) return `${hex}/a${insn.imm.toString(16)}`;
  if (op === 0x18 || op === 0x85) return `${hex}/s${insn.src}`;
  return hex;
}

/** Every valid form (found by asking the validator). */
export function allForms(): Set<string> {
  const forms = new Set<string>();
  for (let opcode = 0; opcode < 256; opcode++) {
    for (const imm of [0, 16, 32, 64, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1]) {
      for (const offset of [0, 1, 8, 16, 32]) {
        for (let src = 0; src <= 6; src++) {
          const insn = { opcode, dst: 0, src, offset, imm };
          if (!checkInstruction(insn)) forms.add(formOf(insn));
        }
      }
    }
  }
  return forms;
}
