import fc from 'fast-check';
import { assemble } from '@bpfleet/isa';
import { AddressSpace } from '../memory/address-space.js';
import { defaultEnv } from '../runner/env.js';
import { Interpreter } from './interpreter.js';
import { DecodedProgram } from './program.js';
import { RunContext } from './run-context.js';

const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const u64 = (v: bigint) => BigInt.asUintN(64, v);

/** 64-bit reference semantics (RFC 9669 + the kernel's division rules), computed with BigInt. */
const reference: Record<string, (a: bigint, b: bigint) => bigint> = {
  add: (a, b) => u64(a + b),
  sub: (a, b) => u64(a - b),
  mul: (a, b) => u64(a * b),
  div: (a, b) => (b === 0n ? 0n : a / b),
  mod: (a, b) => (b === 0n ? a : a % b),
  sdiv: (a, b) => (b === 0n ? 0n : u64(s64(a) / s64(b))),
  smod: (a, b) => (b === 0n ? a : u64(s64(a) % s64(b))),
  lsh: (a, b) => u64(a << (b & 63n)),
  rsh: (a, b) => a >> (b & 63n),
  arsh: (a, b) => u64(s64(a) >> (b & 63n)),
  xor: (a, b) => a ^ b,
};

describe('interpreter ALU64 against a BigInt reference', () => {
  const mem = new AddressSpace({ initialBytes: 256 * 1024 });
  const interp = new Interpreter(mem, new Map());
  const programs = new Map(
    Object.keys(reference).map((op) => [op, new DecodedProgram(assemble(`mov %r0, %r1\n${op} %r0, %r2\nexit`), { helpers: new Map() })]),
  );
  const value = fc.oneof(
    fc.bigInt({ min: 0n, max: M64 }),
    fc.bigInt({ min: 0n, max: 0xffffffffn }),
    fc.bigInt({ min: 0n, max: 0x1fffffn }),
    fc.constantFrom(0n, 1n, M64, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 1n << 32n, 63n, 64n),
  );

  it.each(Object.keys(reference))('%s', (op) => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const r0 = interp.run(programs.get(op)!, new RunContext(mem, defaultEnv()), { args: [a, b] }).r0;
        expect(r0).toBe(reference[op](a, b));
      }),
      { numRuns: 400 },
    );
  });
});
