/**
 * Number literals of both assembly syntaxes: decimal or `0x` hex, optionally signed. Decimal must
 * fit the signed range of the field; hex may also spell the unsigned bit pattern (`0xffffffff` for
 * a 32-bit -1), as the conformance suite and llvm-objdump both write it.
 */
const NUMBER = /^([+-]?)(0x[0-9a-f]+|\d+)$/i;

/** Parses a literal into a bigint, or undefined when the text is not a number. */
export function parseBigLiteral(text: string): { value: bigint; hex: boolean } | undefined {
  const m = NUMBER.exec(text.trim());
  if (!m) return undefined;
  const mag = BigInt(m[2]!);
  return { value: m[1] === '-' ? -mag : mag, hex: /^0x/i.test(m[2]!) };
}

/** Parses an immediate of `bits` bits (signed result), or returns an error sentence. */
export function parseSized(text: string, bits: 16 | 32 | 64): { value: bigint } | { error: string } {
  const lit = parseBigLiteral(text);
  if (!lit) return { error: `'${text}' is not a number` };
  const min = -(1n << BigInt(bits - 1));
  const max = lit.hex ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  if (lit.value < min || lit.value > max) return { error: `${text} does not fit in ${bits} bits` };
  return { value: BigInt.asIntN(bits, lit.value) };
}
