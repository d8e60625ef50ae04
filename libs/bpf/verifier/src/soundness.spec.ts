import fc from 'fast-check';
import { type BpfObject, BpfProgType } from '@bpfleet/elf';
import { type AsmItem, type Register, asm, label, link } from '@bpfleet/isa';
import { BpfVm, VmFault } from '@bpfleet/vm';
import { verifyInstructions } from './verify.js';

/** Random programs from a small grammar: ALU on r0-r5, stack spills/fills, ctx loads, forward branches. */
const reg = fc.constantFrom<Register>(0, 1, 2, 3, 4, 5);
const slot = fc.integer({ min: 1, max: 8 }).map((k) => -8 * k);
const imm = fc.oneof(fc.integer({ min: -4, max: 64 }), fc.constantFrom(0, 1, 0xff, -1, 0x7fffffff));
const step = fc.oneof(
  fc.tuple(reg, imm).map(([d, v]) => [asm.mov64Imm(d, v)]),
  fc.tuple(reg, reg).map(([d, s]) => [asm.mov64Reg(d, s)]),
  fc.tuple(fc.constantFrom('add64Reg', 'sub64Reg', 'and64Reg', 'or64Reg', 'xor64Reg', 'mul64Reg') as fc.Arbitrary<'add64Reg'>, reg, reg).map(([op, d, s]) => [asm[op](d, s)]),
  fc.tuple(fc.constantFrom('add64Imm', 'and64Imm', 'lsh64Imm', 'rsh64Imm') as fc.Arbitrary<'add64Imm'>, reg, fc.integer({ min: 0, max: 63 })).map(([op, d, v]) => [asm[op](d, v)]),
  fc.tuple(slot, reg).map(([o, s]) => [asm.stx(64, 10, o, s)]),
  fc.tuple(reg, slot).map(([d, o]) => [asm.ldx(64, d, 10, o)]),
  fc.tuple(reg, fc.constantFrom(0, 4, 8, 16)).map(([d, o]) => [asm.ldx(32, d, 6, o)]),
  // Stack access through a register holding fp plus a bounded variable offset.
  fc.tuple(reg, reg).map(([d, s]) => [asm.mov64Reg(d, s), asm.and64Imm(d, 0x38), asm.sub64Imm(d, 64), asm.add64Reg(d, 10), asm.ldx(8, d, d, 0)]),
);

function program(steps: AsmItem[][], branches: number[]): AsmItem[] {
  const items: AsmItem[] = [asm.mov64Reg(6, 1)];
  for (let r = 0; r <= 5; r++) items.push(asm.mov64Imm(r as Register, 0));
  steps.forEach((s, i) => {
    const b = branches[i % branches.length] ?? 0;
    if (b > 0) items.push(asm.jgtImm(((b % 5) + 1) as Register, b, `l${i}`));
    items.push(...s);
    if (b > 0) items.push(label(`l${i}`));
  });
  items.push(asm.and64Imm(0, 1), asm.exit());
  return items;
}

function object(insns: ReturnType<typeof link>): BpfObject {
  return {
    name: 'prop',
    license: 'GPL',
    kernelVersion: 0,
    maps: [],
    elf: new Uint8Array(),
    programs: [{ name: 'prop', section: 'socket', type: BpfProgType.SOCKET_FILTER, sleepable: false, insns, references: [], lineInfo: [], funcInfo: [], coreRelocations: [], btfFuncTypeId: 0 }],
  };
}

describe('soundness', () => {
  it('whatever the verifier accepts runs in the VM without a memory fault', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 4 }), (steps, branches) => {
        const insns = link(program(steps, branches));
        const r = verifyInstructions({ insns, type: BpfProgType.SOCKET_FILTER });
        if (!r.accepted) return true;
        accepted++;
        const vm = new BpfVm(object(insns));
        // Several packet lengths drive the ctx loads (skb->len etc.) down different branches, so paths
        // the verifier pruned as equivalent to verified ones get run too.
        for (const len of [14, 64, 255, 1500]) {
          try {
            vm.testRun('prop', { data: new Uint8Array(len).fill(len & 0xff) });
          } catch (e) {
            if (e instanceof VmFault) throw new Error(`accepted program faulted (packet of ${len} bytes): ${e.message}\n${r.log}`);
            throw e;
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(20);
  });
});
