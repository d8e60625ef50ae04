import fc from 'fast-check';
import { decodeInstructions, encodeInstructions, InstructionDecodeError } from './codec.js';

describe('decodeInstructions', () => {
  it('round-trips any whole number of slots without lddw', () => {
    const slot = fc.uint8Array({ minLength: 8, maxLength: 8 }).filter((s) => s[0] !== 0x18);
    fc.assert(
      fc.property(fc.array(slot, { maxLength: 32 }), (slots) => {
        const bytes = new Uint8Array(slots.flatMap((s) => [...s]));
        expect(encodeInstructions(decodeInstructions(bytes))).toEqual(bytes);
      }),
    );
  });

  it('joins the two halves of lddw into imm64', () => {
    // r1 = 0x1122334455667788 ll
    const bytes = Uint8Array.from([0x18, 0x01, 0, 0, 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11]);
    const [first] = decodeInstructions(bytes);
    expect(first!.imm64).toBe(0x1122334455667788n);
  });

  it('refuses a partial slot and a lone lddw', () => {
    expect(() => decodeInstructions(new Uint8Array(7))).toThrow(InstructionDecodeError);
    expect(() => decodeInstructions(Uint8Array.from([0x18, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/second slot/);
  });
});
