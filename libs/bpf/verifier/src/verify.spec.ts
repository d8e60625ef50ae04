import { type BpfMapSpec, BpfMapType, BpfProgType } from '@bpfleet/elf';
import { type AsmItem, R0, R1, R2, R3, R4, R5, R6, R10, asm, label, link } from '@bpfleet/isa';
import type { KernelBtfExtract } from './kernel-btf/extract.js';
import type { GlobalFuncSignature } from './object-btf.js';
import { kernelProfile } from './profiles.js';
import { verifyInstructions } from './verify.js';

const map = (type: BpfMapType, keySize: number, valueSize: number, maxEntries = 16, origin: BpfMapSpec['origin'] = 'btf'): BpfMapSpec => ({
  name: 'm',
  type,
  keySize,
  valueSize,
  maxEntries,
  flags: 0,
  origin,
  section: '.maps',
  btfKeyTypeId: 0,
  btfValueTypeId: 0,
  pinning: 0,
});
const HASH = map(BpfMapType.HASH, 4, 8);
const RINGBUF = map(BpfMapType.RINGBUF, 0, 0, 4096);

type Items = AsmItem[];
function run(items: Items, opts: { type?: BpfProgType; maps?: BpfMapSpec[]; kernel?: string; unpriv?: boolean; logLevel?: 0 | 1 | 2 } = {}) {
  return verifyInstructions(
    { insns: link(items), type: opts.type ?? BpfProgType.TRACEPOINT, maps: opts.maps ?? [HASH, RINGBUF] },
    { profile: kernelProfile(opts.kernel), privileged: !opts.unpriv, logLevel: opts.logLevel ?? 1 },
  );
}
function rejects(items: Items, message: string | RegExp, opts: Parameters<typeof run>[1] = {}) {
  const r = run(items, opts);
  expect(r.accepted).toBe(false);
  if (typeof message === 'string') expect(r.error?.message).toContain(message);
  else expect(r.error?.message).toMatch(message);
  return r;
}
function accepts(items: Items, opts: Parameters<typeof run>[1] = {}) {
  const r = run(items, opts);
  if (!r.accepted) throw new Error(`rejected: ${r.error?.message}\n${r.log}`);
  return r;
}

/** r2 = fp-8 with a zeroed key; r1 = map 0; call lookup. */
const lookup = (): Items => [
  asm.st(32, R10, -8, 0),
  asm.mov64Reg(R2, R10),
  asm.add64Imm(R2, -8),
  asm.lddwPseudo(R1, 5, 0),
  asm.call(1),
];

describe('verifyInstructions', () => {
  describe('structural checks', () => {
    it('rejects a program that falls off the end', () => {
      rejects([asm.mov64Imm(R0, 0)], 'last insn is not an exit or jmp');
    });
    it('rejects jumps out of range', () => {
      rejects([asm.mov64Imm(R0, 0), asm.ja(5), asm.exit()], 'jump out of range from insn 1 to 7');
    });
    it('rejects unreachable instructions', () => {
      rejects([asm.mov64Imm(R0, 0), asm.exit(), asm.mov64Imm(R0, 1), asm.exit()], 'unreachable insn 2');
    });
    it('rejects a jump into the second slot of lddw', () => {
      rejects([asm.jeqImm(R1, 0, 1), asm.lddw(R0, 1n), asm.exit()], 'jump into the middle of ldimm64 insn 1');
    });
    it('rejects back-edges before 5.3 and for unprivileged programs', () => {
      const loop: Items = [asm.mov64Imm(R0, 0), label('top'), asm.add64Imm(R0, 1), asm.jltImm(R0, 10, 'top'), asm.exit()];
      rejects(loop, 'back-edge from insn 2 to 1', { kernel: '5.2' });
      rejects(loop, 'back-edge from insn 2 to 1', { unpriv: true, type: BpfProgType.SOCKET_FILTER });
      accepts(loop, { kernel: '5.4' });
    });
    it('reports an infinite loop', () => {
      rejects([asm.mov64Imm(R0, 0), label('top'), asm.jeqImm(R0, 0, 'top'), asm.exit()], 'infinite loop detected at insn 1');
    });
    it('rejects invalid ALU opcodes and reserved fields', () => {
      rejects([asm.mov64Imm(R0, 0), { kind: 'insn', insn: { opcode: 0xe7, dst: 0, src: 0, offset: 0, imm: 0 } } as Items[number], asm.exit()], 'unknown opcode e7');
      rejects([{ kind: 'insn', insn: { opcode: 0xb7, dst: 0, src: 1, offset: 0, imm: 0 } } as Items[number], asm.exit()], 'BPF_MOV uses reserved fields');
    });
    it('rejects a constant division by zero but allows division by a register', () => {
      rejects([asm.mov64Imm(R0, 1), asm.div64Imm(R0, 0), asm.exit()], 'div by zero');
      accepts([asm.mov64Imm(R0, 1), asm.mov64Imm(R1, 0), asm.div64Reg(R0, R1), asm.exit()]);
    });
  });

  describe('registers and stack', () => {
    it('rejects reading an uninitialised register', () => {
      rejects([asm.mov64Reg(R0, R2), asm.exit()], 'R2 !read_ok');
      rejects([asm.exit()], 'R0 !read_ok');
    });
    it('rejects writes to the frame pointer', () => {
      rejects([asm.mov64Imm(R10, 0), asm.mov64Imm(R0, 0), asm.exit()], 'frame pointer is read only');
    });
    it('spills and fills pointers through the stack', () => {
      accepts([asm.stx(64, R10, -8, R1), asm.ldx(64, R2, R10, -8), asm.ldx(32, R0, R2, 8), asm.exit()]);
    });
    it('rejects out-of-frame stack access', () => {
      rejects([asm.st(64, R10, -520, 0), asm.mov64Imm(R0, 0), asm.exit()], 'invalid write to stack R10 off=-520 size=8');
    });
    it('rejects uninitialised stack reads only when unprivileged', () => {
      const prog: Items = [asm.ldx(64, R0, R10, -8), asm.exit()];
      accepts(prog);
      rejects(prog, 'invalid read from stack R10 off=-8 size=8', { unpriv: true, type: BpfProgType.SOCKET_FILTER });
    });
    it('refuses unprivileged helper reads below the stack touched so far (6.8+ bounds wording)', () => {
      const key: Items = [asm.mov64Reg(R2, R10), asm.add64Imm(R2, -8), asm.lddwPseudo(R1, 5, 0), asm.call(1), asm.mov64Imm(R0, 0), asm.exit()];
      const opts = { unpriv: true, type: BpfProgType.SOCKET_FILTER };
      rejects(key, 'invalid read from stack R2 off=-8 size=4', opts);
      rejects(key, 'invalid read from stack R2 off -8+0 size 4', { ...opts, kernel: '6.6' });
      rejects([asm.st(32, R10, -4, 0), ...key], 'invalid read from stack R2 off -8+0 size 4', opts);
      accepts([asm.st(32, R10, -8, 0), ...key], opts);
    });
  });

  describe('maps and null checks', () => {
    it("refuses loads and stores that touch the value's bpf_spin_lock", () => {
      const LOCKED = map(BpfMapType.HASH, 4, 16);
      const load = (off: number): Items => [...lookup(), asm.jeqImm(R0, 0, 'out'), asm.ldx(32, R0, R0, off), label('out'), asm.mov64Imm(R0, 0), asm.exit()];
      const opts = { profile: kernelProfile() };
      const run = (off: number) => verifyInstructions({ insns: link(load(off)), type: BpfProgType.TRACEPOINT, maps: [LOCKED], spinLockOffsets: [4] }, opts);
      expect(run(4).error?.message).toBe('bpf_spin_lock cannot be accessed directly by load/store');
      expect(run(2).error?.message).toBe('bpf_spin_lock cannot be accessed directly by load/store');
      expect(run(0).accepted).toBe(true);
      expect(run(8).accepted).toBe(true);
    });
    it('rejects dereferencing a lookup result without a NULL check', () => {
      const r = rejects([...lookup(), asm.ldx(64, R0, R0, 0), asm.exit()], "R0 invalid mem access 'map_value_or_null'");
      expect(r.error?.hint).toMatch(/NULL/);
    });
    it('accepts the lookup after a NULL check, and bounds the value access', () => {
      accepts([...lookup(), asm.jeqImm(R0, 0, 'out'), asm.ldx(64, R0, R0, 0), label('out'), asm.exit()]);
      rejects([...lookup(), asm.jeqImm(R0, 0, 'out'), asm.ldx(64, R0, R0, 4), label('out'), asm.exit()], 'invalid access to map value, value_size=8 off=4 size=8');
    });
    it('propagates the NULL check to copies sharing the id', () => {
      accepts([...lookup(), asm.mov64Reg(R6, R0), asm.jeqImm(R0, 0, 'out'), asm.ldx(64, R0, R6, 0), label('out'), asm.exit()]);
    });
    it('rejects an unchecked variable index and accepts a bounded one', () => {
      const body = (bound: Items): Items => [
        ...lookup(),
        asm.jeqImm(R0, 0, 'out'),
        asm.ldx(64, R1, R0, 0),
        ...bound,
        asm.add64Reg(R0, R1),
        asm.ldx(8, R0, R0, 0),
        label('out'),
        asm.exit(),
      ];
      rejects(body([]), 'math between map_value pointer and register with unbounded min value is not allowed');
      accepts(body([asm.and64Imm(R1, 7)]));
      rejects(body([asm.and64Imm(R1, 15)]), 'R0 max value is outside of the allowed memory range');
    });
    it('passes the key size through to the helper and checks its type', () => {
      rejects([asm.mov64Imm(R2, 0), asm.lddwPseudo(R1, 5, 0), asm.call(1), asm.mov64Imm(R0, 0), asm.exit()], 'R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value');
    });
  });

  describe('references', () => {
    const reserve: Items = [asm.lddwPseudo(R1, 5, 1), asm.mov64Imm(R2, 8), asm.mov64Imm(R3, 0), asm.call(131)];
    it('requires ringbuf reservations to be released', () => {
      rejects([...reserve, asm.mov64Imm(R0, 0), asm.exit()], 'Unreleased reference id=1 alloc_insn=4');
      accepts([...reserve, asm.jeqImm(R0, 0, 'out'), asm.mov64Reg(R1, R0), asm.mov64Imm(R2, 0), asm.call(132), label('out'), asm.mov64Imm(R0, 0), asm.exit()]);
    });
    it('rejects a double submit', () => {
      rejects(
        [...reserve, asm.jeqImm(R0, 0, 'out'), asm.mov64Reg(R6, R0), asm.mov64Reg(R1, R0), asm.mov64Imm(R2, 0), asm.call(132), asm.mov64Reg(R1, R6), asm.mov64Imm(R2, 0), asm.call(132), label('out'), asm.mov64Imm(R0, 0), asm.exit()],
        'R1 type=scalar expected=ringbuf_mem',
      );
    });
  });

  describe('packets', () => {
    const xdpPrologue: Items = [asm.ldx(32, R2, R1, 0), asm.ldx(32, R3, R1, 4)];
    it('requires a data_end check before packet reads', () => {
      rejects([...xdpPrologue, asm.ldx(8, R0, R2, 0), asm.exit()], 'invalid access to packet', { type: BpfProgType.XDP });
      accepts([...xdpPrologue, asm.mov64Reg(R4, R2), asm.add64Imm(R4, 14), asm.mov64Imm(R0, 1), asm.jgtReg(R4, R3, 'out'), asm.ldx(8, R0, R2, 13), label('out'), asm.exit()], { type: BpfProgType.XDP });
      rejects([...xdpPrologue, asm.mov64Reg(R4, R2), asm.add64Imm(R4, 14), asm.mov64Imm(R0, 1), asm.jgtReg(R4, R3, 'out'), asm.ldx(8, R0, R2, 14), label('out'), asm.exit()], 'invalid access to packet', { type: BpfProgType.XDP });
    });
    it('accepts NULL with a zero size for bpf_csum_diff, and nothing else', () => {
      const csum = (from: number, size: number): Items => [asm.mov64Imm(R1, from), asm.mov64Imm(R2, size), asm.mov64Imm(R3, 0), asm.mov64Imm(R4, 0), asm.mov64Imm(R5, 0), asm.call(28), asm.mov64Imm(R0, 2), asm.exit()];
      accepts(csum(0, 0), { type: BpfProgType.XDP });
      rejects(csum(0, 4), 'R1 type=scalar expected=', { type: BpfProgType.XDP });
      rejects(csum(8, 0), 'R1 type=scalar expected=', { type: BpfProgType.XDP });
    });
    it('rejects packet writes from socket filters', () => {
      rejects([asm.ldx(32, R2, R1, 76), asm.mov64Imm(R0, 0), asm.exit()], 'invalid bpf_context access off=76 size=4', { type: BpfProgType.SOCKET_FILTER });
    });
  });

  describe('context', () => {
    it('checks offsets and read-only fields per program type', () => {
      rejects([asm.ldx(32, R0, R1, 4), asm.exit()], 'invalid bpf_context access off=4 size=4');
      accepts([asm.ldx(64, R0, R1, 8), asm.exit()]);
      rejects([asm.st(32, R1, 0, 1), asm.mov64Imm(R0, 0), asm.exit()], 'BPF_ST stores into R1 ctx is not allowed', { type: BpfProgType.SCHED_CLS, kernel: '6.1' });
      accepts([asm.mov64Imm(R2, 1), asm.stx(32, R1, 8, R2), asm.mov64Imm(R0, 0), asm.exit()], { type: BpfProgType.SCHED_CLS });
      rejects([asm.mov64Imm(R2, 1), asm.stx(32, R1, 0, R2), asm.mov64Imm(R0, 0), asm.exit()], 'invalid bpf_context access off=0 size=4', { type: BpfProgType.SCHED_CLS });
    });
    it('checks the return value range of cgroup_skb programs', () => {
      rejects([asm.mov64Imm(R0, 2), asm.exit()], 'At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]', { type: BpfProgType.CGROUP_SKB });
      accepts([asm.mov64Imm(R0, 1), asm.exit()], { type: BpfProgType.CGROUP_SKB });
    });
  });

  describe('helpers and profiles', () => {
    it('rejects helpers the program type or kernel does not have', () => {
      rejects([asm.call(26), asm.mov64Imm(R0, 0), asm.exit()], 'program of this type cannot use helper bpf_skb_load_bytes#26', { type: BpfProgType.XDP });
      rejects([asm.mov64Imm(R1, 1), asm.lddw(R2, 0), asm.mov64Imm(R3, 0), asm.mov64Imm(R4, 0), asm.call(181), asm.mov64Imm(R0, 0), asm.exit()], 'bpf_loop#181', { kernel: '5.15' });
    });
    it('allows helpers that may sleep only in sleepable programs', () => {
      const insns = link([asm.mov64Reg(R1, R10), asm.add64Imm(R1, -8), asm.mov64Imm(R2, 8), asm.mov64Imm(R3, 0), asm.call(148), asm.mov64Imm(R0, 0), asm.exit()]);
      const opts = { profile: kernelProfile() };
      expect(verifyInstructions({ insns, type: BpfProgType.KPROBE }, opts).error?.message).toBe('helper call might sleep in a non-sleepable prog');
      expect(verifyInstructions({ insns, type: BpfProgType.KPROBE, sleepable: true }, opts).accepted).toBe(true);
    });
    it('verifies bpf_loop callbacks', () => {
      const prog: Items = [
        asm.mov64Imm(R1, 10),
        asm.ldFunc(R2, 'cb'),
        asm.mov64Imm(R3, 0),
        asm.mov64Imm(R4, 0),
        asm.call(181),
        asm.mov64Imm(R0, 0),
        asm.exit(),
        label('cb'),
        asm.mov64Imm(R0, 0),
        asm.exit(),
      ];
      accepts(prog);
      const bad = [...prog.slice(0, 8), asm.mov64Imm(R0, 5), asm.exit()];
      rejects(bad, 'At callback return the register R0 has smin=5 smax=5 should have been in [0, 1]');
    });
    it('requires a scalar return from global functions only', () => {
      const insns = link([asm.callLocal('f'), asm.mov64Imm(R0, 0), asm.exit(), label('f'), asm.mov64Reg(R0, R1), asm.exit()]);
      const opts = { profile: kernelProfile() };
      expect(verifyInstructions({ insns, type: BpfProgType.TRACEPOINT }, opts).accepted).toBe(true);
      expect(verifyInstructions({ insns, type: BpfProgType.TRACEPOINT, globalFuncs: [3] }, opts).error?.message).toBe('At subprogram exit the register R0 is not a scalar value (ctx)');
    });
    it('checks call depth', () => {
      const items: Items = [];
      for (let i = 0; i < 9; i++) items.push(asm.callLocal(`f${i}`), asm.exit(), label(`f${i}`));
      items.push(asm.mov64Imm(R0, 0), asm.exit());
      rejects([asm.mov64Imm(R0, 0), ...items], 'the call stack of 9 frames is too deep !');
    });
    it('enforces the processed-instruction budget', () => {
      // The real budget is 1,000,000 (131,072 before 5.2); a smaller one keeps the test fast.
      expect(kernelProfile('6.1').complexityLimit).toBe(1_000_000);
      expect(kernelProfile('4.19').complexityLimit).toBe(131_072);
      const profile = { ...kernelProfile(), complexityLimit: 5000 };
      const r = verifyInstructions(
        { insns: link([asm.mov64Imm(R0, 0), label('top'), asm.add64Imm(R0, 1), asm.ja('top')]), type: BpfProgType.TRACEPOINT },
        { profile },
      );
      expect(r.error?.message).toBe('BPF program is too large. Processed 5001 insn');
      expect(r.insnsProcessed).toBe(5001);
    });
  });

  describe('global functions (checked against their BTF prototype)', () => {
    // main: r1 = fp-8 (initialised) or NULL, call first_word; first_word: r0 = *(u32 *)(r1 + 0)
    const sig = (start: number): GlobalFuncSignature => ({ start, name: 'first_word', args: [{ kind: 'mem', size: 4 }], unsupported: null });
    const callWith = (arg: Items, body: Items): Items => [...arg, asm.callLocal('f'), asm.exit(), label('f'), ...body];
    const deref: Items = [asm.ldx(32, R0, R1, 0), asm.exit()];
    const checked: Items = [asm.mov64Imm(R0, 0), asm.jeqImm(R1, 0, 'out'), asm.ldx(32, R0, R1, 0), label('out'), asm.exit()];
    const stackArg: Items = [asm.st(32, R10, -8, 1), asm.mov64Reg(R1, R10), asm.add64Imm(R1, -8)];
    const verifyGlobal = (items: Items, kernel?: string) => {
      const insns = link(items);
      const start = insns.findIndex((_, i) => i > 0 && insns[i - 1]!.opcode === 0x95);
      return verifyInstructions({ insns, type: BpfProgType.SOCKET_FILTER, globalSignatures: [sig(start)] }, { profile: kernelProfile(kernel), logLevel: 1 });
    };
    it('verifies the function alone with a maybe-NULL argument', () => {
      const r = verifyGlobal(callWith(stackArg, deref));
      expect(r.accepted).toBe(false);
      expect(r.error?.message).toBe("R1 invalid mem access 'mem_or_null'");
      expect(r.log).toContain("Func#1 ('first_word') is global and assumed valid.");
      expect(r.log).toContain('Validating first_word() func#1...');
    });
    it('accepts the function once it checks for NULL', () => {
      const r = verifyGlobal(callWith(stackArg, checked));
      expect(r.error).toBeNull();
      expect(r.log).toContain("Func#1 ('first_word') is safe for any args that match its prototype");
    });
    it('checks the caller passes memory of the prototype size', () => {
      const r = verifyGlobal(callWith([asm.mov64Imm(R1, 7)], checked));
      expect(r.error?.message).toContain("Caller passes invalid args into func#1 ('first_word')");
      expect(verifyGlobal(callWith([asm.mov64Imm(R1, 0)], checked)).accepted).toBe(true);
    });
    it('honours __arg_nonnull from 6.8: no NULL check needed inside, callers may not pass maybe-NULL', () => {
      const insns = link(callWith(stackArg, deref));
      const start = insns.findIndex((_, i) => i > 0 && insns[i - 1]!.opcode === 0x95);
      const tagged: GlobalFuncSignature = { ...sig(start), tagged: { args: [{ kind: 'mem', size: 4, nonNull: true }], unsupported: null } };
      const verify = (kernel: string) => verifyInstructions({ insns, type: BpfProgType.SOCKET_FILTER, globalSignatures: [tagged] }, { profile: kernelProfile(kernel) });
      expect(verify('6.18').error).toBeNull();
      expect(verify('6.6').error?.message).toBe("R1 invalid mem access 'mem_or_null'");
    });
    it('treats global functions as static before 5.6', () => {
      expect(verifyGlobal(callWith(stackArg, deref), '5.4').accepted).toBe(true);
    });
  });

  describe('BTF-typed tracing contexts', () => {
    const extract: KernelBtfExtract = {
      kernelRelease: 'test',
      tracepoints: { sched_switch: ['s', 'task_struct', 'task_struct', 's'] },
      lsmHooks: { file_open: ['file', 's'] },
      structSizes: { task_struct: 64, file: 32 },
      ksymVars: {},
    };
    const tp = (items: Items, target = 'sched_switch') =>
      verifyInstructions({ insns: link(items), type: BpfProgType.TRACING, expectedAttachType: 23, attachTarget: target }, { kernelBtf: extract });
    it('reads pointer arguments as trusted kernel pointers', () => {
      const r = tp([asm.ldx(64, R1, R1, 16), asm.ldx(32, R0, R1, 0), asm.mov64Imm(R0, 0), asm.exit()]);
      expect(r.error).toBeNull();
    });
    it('reads scalar arguments as scalars and refuses arguments the prototype lacks', () => {
      const r = tp([asm.ldx(64, R1, R1, 0), asm.ldx(32, R0, R1, 0), asm.mov64Imm(R0, 0), asm.exit()]);
      expect(r.error?.message).toBe("R1 invalid mem access 'scalar'");
      const past = tp([asm.ldx(64, R0, R1, 32), asm.mov64Imm(R0, 0), asm.exit()]);
      expect(past.error?.message).toBe("func 'btf_trace_sched_switch' doesn't have 5-th argument\ninvalid bpf_context access off=32 size=8");
    });
    it('refuses loading the address of a kernel variable kallsyms cannot resolve', () => {
      const withKsyms: KernelBtfExtract = { ...extract, ksymVars: { bpf_prog_active: -1, runqueues: 8 } };
      const prog = (insns: ReturnType<typeof link>, name: string) =>
        verifyInstructions({ insns, type: BpfProgType.SOCKET_FILTER, ksymLoads: new Map([[0, name]]) }, { kernelBtf: withKsyms });
      const insns = link([asm.lddw(R1, 0n), asm.mov64Imm(R0, 0), asm.exit()]);
      expect(prog(insns, 'bpf_prog_active').error?.message).toBe("ldimm64 failed to find the address for kernel symbol 'bpf_prog_active'.");
      expect(prog(insns, 'runqueues').accepted).toBe(true);
    });
    it('types fentry/fexit contexts when the extract has function prototypes (from a host BTF)', () => {
      const withFns: KernelBtfExtract = { ...extract, functions: { do_unlinkat: ['s', 'filename', 's'] } };
      const prog = (attach: number, off: number) =>
        verifyInstructions(
          { insns: link([asm.ldx(64, R1, R1, off), asm.ldx(64, R0, R1, 0), asm.mov64Imm(R0, 0), asm.exit()]), type: BpfProgType.TRACING, expectedAttachType: attach, attachTarget: 'do_unlinkat' },
          { kernelBtf: withFns },
        );
      expect(prog(24, 8).error).toBeNull();
      expect(prog(24, 16).error?.message).toContain("func 'do_unlinkat' doesn't have 3-th argument");
      // fexit reads the return value (a scalar) in the slot after the arguments.
      expect(prog(25, 16).error?.message).toBe("R1 invalid mem access 'scalar'");
    });
    it('follows pointer fields of kernel structs through CO-RE relocated loads', () => {
      // prev = ctx[1] (ptr_task_struct); r1 = prev->mm (CO-RE: a pointer to struct mm_struct); *(u32 *)r1.
      const insns = link([asm.ldx(64, R1, R1, 8), asm.ldx(64, R1, R1, 16), asm.ldx(32, R0, R1, 0), asm.mov64Imm(R0, 0), asm.exit()]);
      const run = (coreFieldTypes: Map<number, string | null>) =>
        verifyInstructions({ insns, type: BpfProgType.TRACING, expectedAttachType: 23, attachTarget: 'sched_switch', coreFieldTypes }, { kernelBtf: extract });
      expect(run(new Map([[1, 'mm_struct']])).error).toBeNull();
      expect(run(new Map([[1, null]])).error?.message).toBe("R1 invalid mem access 'scalar'");
      expect(run(new Map()).error?.message).toBe("R1 invalid mem access 'scalar'");
    });
    it('lets LSM programs read the hook return value slot', () => {
      const r = verifyInstructions(
        { insns: link([asm.ldx(64, R0, R1, 8), asm.mov64Imm(R0, 0), asm.exit()]), type: BpfProgType.LSM, expectedAttachType: 27, attachTarget: 'file_open' },
        { kernelBtf: extract },
      );
      expect(r.error).toBeNull();
    });
  });

  describe('pruning', () => {
    /** Blocks of: load, mask, add, spill, an undecided branch that skips one add, fill, xor. */
    const blocks = (n: number): Items => {
      const items: Items = [asm.mov64Reg(R6, R1), asm.mov64Imm(R0, 0)];
      for (let k = 0; k < n; k++) {
        const slot = -8 * ((k % 60) + 1);
        items.push(asm.ldx(32, R2, R6, 0), asm.and64Imm(R2, 0xff), asm.add64Reg(R0, R2), asm.stx(64, R10, slot, R0), asm.jgtImm(R2, 100, `s${k}`), asm.add64Imm(R0, 3), label(`s${k}`), asm.ldx(64, R3, R10, slot), asm.xor64Reg(R0, R3));
      }
      items.push(asm.and64Imm(R0, 1), asm.exit());
      return items;
    };
    it('explores like the kernel: prune points at jumps and targets, scalars no decision needed compare equal', () => {
      // The processed counts Linux 6.18 reports for these two programs (loaded as raw socket filters).
      expect(run(blocks(5), { type: BpfProgType.SOCKET_FILTER, logLevel: 0 }).insnsProcessed).toBe(70);
      expect(run(blocks(124), { type: BpfProgType.SOCKET_FILTER, logLevel: 0 }).insnsProcessed).toBe(1678);
    });
    it('keeps scalars exact below a checkpoint when a later decision depends on them', () => {
      const join = (bad: number): Items => [
        asm.mov64Reg(R6, R1),
        asm.st(64, R10, -8, 0),
        asm.ldx(32, R1, R6, 0),
        asm.mov64Imm(R4, 0),
        asm.jgtImm(R1, 5, 'a'),
        asm.add64Imm(R4, 1),
        label('a'),
        asm.jgtImm(R1, 7, 'b'),
        asm.add64Imm(R4, 1),
        label('b'),
        asm.mov64Imm(R2, bad),
        asm.jgtImm(R1, 10, 'join'),
        asm.mov64Imm(R2, 0),
        label('join'),
        asm.mov64Reg(R3, R10),
        asm.add64Reg(R3, R2),
        asm.ldx(8, R0, R3, -1),
        asm.mov64Imm(R0, 0),
        asm.exit(),
      ];
      rejects(join(-600), 'invalid read from stack R3 off=-601 size=1', { type: BpfProgType.SOCKET_FILTER });
      accepts(join(-4), { type: BpfProgType.SOCKET_FILTER });
    });
  });

  describe('log', () => {
    it('prints instructions and register state like the kernel', () => {
      const r = run([asm.mov64Reg(R6, R1), asm.mov64Imm(R0, 0), asm.exit()], { logLevel: 2 });
      expect(r.log).toContain('0: (bf) r6 = r1');
      expect(r.log).toContain('R6_w=ctx()');
      expect(r.log).toContain('1: (b7) r0 = 0');
      expect(r.log).toMatch(/processed 3 insns \(limit 1000000\) max_states_per_insn \d+ total_states \d+/);
    });
  });
});
