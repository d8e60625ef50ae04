import { assemble, type Instruction } from '@bpfleet/isa';

/** A benchmark program for the VM alone: assembly, the input it gets (r1 = address, r2 = length), expected r0. */
export interface VmBenchProgram {
  readonly name: string;
  readonly insns: Instruction[];
  readonly input: Uint8Array;
  /** Instructions one run executes (measured with the interpreter). */
  insnsPerRun?: number;
}

/** Sum of i*i ^ i over 1,000 iterations: pure ALU in a tight loop. */
const LOOP_SUM = `
  mov %r0, 0
  mov %r1, 0
loop:
  mov %r2, %r1
  mul %r2, %r1
  xor %r0, %r2
  add %r0, %r1
  add %r1, 1
  jlt %r1, 1000, loop
  exit
`;

/** FNV-1a 64 over the input buffer, a checked byte load per step. */
const FNV1A = `
  lddw %r0, 0xcbf29ce484222325
  lddw %r4, 0x100000001b3
  mov %r3, 0
loop:
  jge %r3, %r2, done
  mov %r5, %r1
  add %r5, %r3
  ldxb %r6, [%r5]
  xor %r0, %r6
  mul %r0, %r4
  add %r3, 1
  ja loop
done:
  exit
`;

/**
 * Ethernet / IPv4 / UDP parser with bounds checks against the input's end, like an XDP program:
 * returns the UDP destination port for IPv4/UDP, 1 for other IPv4, 2 for non-IP, 0 when truncated.
 */
const PACKET_PARSER = `
  mov %r6, %r1
  mov %r7, %r1
  add %r7, %r2
  mov %r0, 0
  mov %r3, %r6
  add %r3, 14
  jgt %r3, %r7, out
  ldxh %r4, [%r6+12]
  be16 %r4
  mov %r0, 2
  jne %r4, 0x0800, out
  mov %r3, %r6
  add %r3, 34
  mov %r0, 0
  jgt %r3, %r7, out
  ldxb %r4, [%r6+14]
  and %r4, 0xf
  lsh %r4, 2
  mov %r5, %r6
  add %r5, 14
  add %r5, %r4
  ldxb %r4, [%r6+23]
  mov %r0, 1
  jne %r4, 17, out
  mov %r3, %r5
  add %r3, 8
  mov %r0, 0
  jgt %r3, %r7, out
  ldxh %r0, [%r5+2]
  be16 %r0
  ldxh %r4, [%r5+4]
  be16 %r4
  add %r0, %r4
  ldxw %r4, [%r6+26]
  xor %r0, %r4
  ldxw %r4, [%r6+30]
  xor %r0, %r4
out:
  exit
`;

function udpPacket(): Uint8Array {
  const p = new Uint8Array(64);
  p.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00], 0); // eth
  p.set([0x45, 0, 0, 50, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14); // ipv4
  p.set([0x30, 0x39, 0x00, 0x35, 0, 30, 0, 0], 34); // udp 12345 -> 53
  return p;
}

export function vmBenchPrograms(): VmBenchProgram[] {
  const buffer = new Uint8Array(256).map((_, i) => (i * 31 + 7) & 0xff);
  return [
    { name: 'loop-sum', insns: assemble(LOOP_SUM), input: new Uint8Array(0) },
    { name: 'fnv1a-256B', insns: assemble(FNV1A), input: buffer },
    { name: 'packet-parser', insns: assemble(PACKET_PARSER), input: udpPacket() },
  ];
}

/**
 * A deterministic 1,000-instruction program like compiled code: ALU on all registers, stack loads and
 * stores, forward branches and a few loops, for compile-time measurements.
 */
export function syntheticProgram(length: number, seed = 1): Instruction[] {
  let s = seed >>> 0;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const out: Instruction[] = [];
  for (let r = 0; r <= 9; r++) out.push({ opcode: 0xb7, dst: r, src: 0, offset: 0, imm: r * 7 });
  while (out.length < length - 1) {
    const pc = out.length;
    const kind = rnd(10);
    const dst = rnd(10);
    const src = rnd(10);
    if (kind < 5) {
      const op = [0x07, 0x0f, 0x1f, 0x2f, 0x4f, 0x5f, 0xaf, 0x67, 0x77, 0x04, 0x0c, 0xbc][rnd(12)];
      out.push({ opcode: op, dst, src: op & 0x08 ? src : 0, offset: 0, imm: op & 0x08 ? 0 : rnd(64) });
    } else if (kind < 7) {
      out.push({ opcode: 0x7b, dst: 10, src, offset: -8 * (1 + rnd(32)), imm: 0 });
    } else if (kind < 9) {
      out.push({ opcode: 0x79, dst, src: 10, offset: -8 * (1 + rnd(32)), imm: 0 });
    } else {
      const remaining = length - 2 - pc;
      const fwd = Math.max(0, Math.min(remaining, 1 + rnd(20)));
      out.push({ opcode: [0x1d, 0x2d, 0x5d, 0xad][rnd(4)], dst, src, offset: fwd, imm: 0 });
    }
  }
  out.push({ opcode: 0x95, dst: 0, src: 0, offset: 0, imm: 0 });
  return out;
}
