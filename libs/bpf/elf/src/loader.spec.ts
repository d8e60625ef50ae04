import { BpfCoreReloKind, BtfKind, decodeValue, formatType, parseBtf, type Btf } from '@bpfleet/btf';
import { ElfError } from './errors.js';
import { loadBpfObject, objectNameFromPath } from './loader.js';
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, internalMapName } from './maps.js';
import { BpfMapType, BpfProgType } from './object.js';
import { BpfAttach, matchSection } from './section-defs.js';
import { corpusObjects, readObject } from './testing/corpus.js';
import { writeElf } from './testing/elf-writer.js';
import { parseElfFile } from './elf-file.js';

describe('matchSection (libbpf section_defs)', () => {
  const T = BpfProgType;
  it.each([
    ['tracepoint/syscalls/sys_enter_openat', T.TRACEPOINT, undefined, 'syscalls/sys_enter_openat'],
    ['tp/sched/sched_switch', T.TRACEPOINT, undefined, 'sched/sched_switch'],
    ['raw_tracepoint/sys_enter', T.RAW_TRACEPOINT, undefined, 'sys_enter'],
    ['raw_tp/sys_exit', T.RAW_TRACEPOINT, undefined, 'sys_exit'],
    ['raw_tp.w/sys_exit', T.RAW_TRACEPOINT_WRITABLE, undefined, 'sys_exit'],
    ['tp_btf/sched_switch', T.TRACING, BpfAttach.TRACE_RAW_TP, 'sched_switch'],
    ['kprobe/do_unlinkat', T.KPROBE, undefined, 'do_unlinkat'],
    ['kretprobe/vfs_read', T.KPROBE, undefined, 'vfs_read'],
    ['kprobe.multi/vfs_*', T.KPROBE, BpfAttach.TRACE_KPROBE_MULTI, 'vfs_*'],
    ['uprobe//bin/bash:readline', T.KPROBE, undefined, '/bin/bash:readline'],
    ['uretprobe//usr/lib/libc.so.6:malloc', T.KPROBE, undefined, '/usr/lib/libc.so.6:malloc'],
    ['usdt', T.KPROBE, undefined, undefined],
    ['ksyscall/openat', T.KPROBE, undefined, 'openat'],
    ['xdp', T.XDP, BpfAttach.XDP, undefined],
    ['xdp.frags', T.XDP, BpfAttach.XDP, undefined],
    ['xdp/devmap', T.XDP, BpfAttach.XDP_DEVMAP, undefined],
    ['xdp.frags/cpumap', T.XDP, BpfAttach.XDP_CPUMAP, undefined],
    ['tc', T.SCHED_CLS, undefined, undefined],
    ['tc/ingress', T.SCHED_CLS, BpfAttach.TCX_INGRESS, undefined],
    ['tcx/egress', T.SCHED_CLS, BpfAttach.TCX_EGRESS, undefined],
    ['classifier', T.SCHED_CLS, undefined, undefined],
    ['action', T.SCHED_ACT, undefined, undefined],
    ['socket', T.SOCKET_FILTER, undefined, undefined],
    ['perf_event', T.PERF_EVENT, undefined, undefined],
    ['cgroup_skb/ingress', T.CGROUP_SKB, BpfAttach.CGROUP_INET_INGRESS, undefined],
    ['cgroup_skb/egress', T.CGROUP_SKB, BpfAttach.CGROUP_INET_EGRESS, undefined],
    ['cgroup/connect4', T.CGROUP_SOCK_ADDR, BpfAttach.CGROUP_INET4_CONNECT, undefined],
    ['cgroup/sock_create', T.CGROUP_SOCK, BpfAttach.CGROUP_INET_SOCK_CREATE, undefined],
    ['cgroup/dev', T.CGROUP_DEVICE, BpfAttach.CGROUP_DEVICE, undefined],
    ['cgroup/sysctl', T.CGROUP_SYSCTL, BpfAttach.CGROUP_SYSCTL, undefined],
    ['cgroup/getsockopt', T.CGROUP_SOCKOPT, BpfAttach.CGROUP_GETSOCKOPT, undefined],
    ['sockops', T.SOCK_OPS, BpfAttach.CGROUP_SOCK_OPS, undefined],
    ['sk_skb/stream_parser', T.SK_SKB, BpfAttach.SK_SKB_STREAM_PARSER, undefined],
    ['sk_msg', T.SK_MSG, BpfAttach.SK_MSG_VERDICT, undefined],
    ['sk_lookup', T.SK_LOOKUP, BpfAttach.SK_LOOKUP, undefined],
    ['fentry/do_unlinkat', T.TRACING, BpfAttach.TRACE_FENTRY, 'do_unlinkat'],
    ['fexit/do_unlinkat', T.TRACING, BpfAttach.TRACE_FEXIT, 'do_unlinkat'],
    ['fmod_ret/security_file_open', T.TRACING, BpfAttach.MODIFY_RETURN, 'security_file_open'],
    ['freplace/handler', T.EXT, undefined, 'handler'],
    ['lsm/file_open', T.LSM, BpfAttach.LSM_MAC, 'file_open'],
    ['iter/task', T.TRACING, BpfAttach.TRACE_ITER, 'task'],
    ['syscall', T.SYSCALL, undefined, undefined],
    ['struct_ops/dctcp_init', T.STRUCT_OPS, undefined, 'dctcp_init'],
    ['netfilter', T.NETFILTER, BpfAttach.NETFILTER, undefined],
    ['flow_dissector', T.FLOW_DISSECTOR, BpfAttach.FLOW_DISSECTOR, undefined],
  ])('%s', (section, type, attach, target) => {
    const m = matchSection(section)!;
    expect(m.type).toBe(type);
    expect(m.expectedAttachType).toBe(attach);
    expect(m.attachTarget).toBe(target);
  });

  it('marks sleepable and optional sections', () => {
    expect(matchSection('fentry.s/do_sys_openat2')!.sleepable).toBe(true);
    expect(matchSection('lsm.s/bprm_check_security')!.sleepable).toBe(true);
    expect(matchSection('uprobe.s//bin/bash:readline')!.sleepable).toBe(true);
    expect(matchSection('syscall')!.sleepable).toBe(true);
    expect(matchSection('fentry/do_sys_openat2')!.sleepable).toBe(false);
    expect(matchSection('?xdp')).toMatchObject({ type: BpfProgType.XDP, autoload: false });
    expect(matchSection('xdp.frags')!.def.xdpFrags).toBe(true);
  });

  it('needs the separator for prefix rows and an exact name otherwise', () => {
    for (const s of ['kprobefoo', 'tracepointx', 'socket/foo', 'xdpx', 'tc/other', 'my_section', '.text', '']) expect(matchSection(s)).toBeUndefined();
  });
});

describe('naming', () => {
  it('derives the object name like libbpf (base name up to the first dot)', () => {
    expect(objectNameFromPath('/x/y/minimal.bpf.o')).toBe('minimal');
    expect(objectNameFromPath('global_data.v4.o')).toBe('global_data');
    expect(objectNameFromPath('noext')).toBe('noext');
  });

  it('names global-data maps by internal_map_name', () => {
    expect(internalMapName('global_data', '.bss')).toBe('global_d.bss');
    expect(internalMapName('a', '.rodata')).toBe('a.rodata');
    expect(internalMapName('elf_features', '.kconfig')).toBe('elf_fea.kconfig');
    expect(internalMapName('x', '.rodata.str1.1')).toBe('.rodata.str1.1');
    expect(internalMapName('my-obj', '.data')).toBe('my_obj.data');
    expect(internalMapName('obj', '.data.a_very_long_custom_name')).toBe('.data.a_very_lo');
  });
});

const haveFeatures = corpusObjects().includes('elf_features.o');
(haveFeatures ? describe : describe.skip)('loadBpfObject on elf_features.o', () => {
  const obj = haveFeatures ? loadBpfObject(readObject('elf_features.o'), { name: 'tests/bpf/build/elf_features.o' }) : undefined!;
  const map = (name: string) => obj.maps.find((m) => m.name === name)!;
  const mapIndex = (name: string) => obj.maps.findIndex((m) => m.name === name);
  const prog = (name: string) => obj.programs.find((p) => p.name === name)!;

  it('reads license, programs and their section conventions', () => {
    expect(obj.name).toBe('elf_features');
    expect(obj.license).toBe('Dual BSD/GPL');
    expect(prog('sleepy')).toMatchObject({ type: BpfProgType.TRACING, sleepable: true, attachTarget: 'do_sys_openat2', expectedAttachType: BpfAttach.TRACE_FENTRY });
    expect(prog('optional_tc')).toMatchObject({ type: BpfProgType.SCHED_CLS, autoload: false });
    expect(prog('tail_target').autoload).toBeUndefined();
    const btf = parseBtf(obj.btfBytes!);
    for (const p of obj.programs) expect(btf.type(p.btfFuncTypeId)).toMatchObject({ kind: BtfKind.FUNC, name: p.name });
  });

  it('decodes map-in-map, prog array slots, pinning and flags', () => {
    expect(map('outer')).toMatchObject({ type: BpfMapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 2 });
    expect(map('outer').innerMap).toMatchObject({ type: BpfMapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 });
    expect(map('outer').initialSlots).toEqual([
      { slot: 0, kind: 'map', mapIndex: mapIndex('inner_a') },
      { slot: 1, kind: 'map', mapIndex: mapIndex('inner_b') },
    ]);
    expect(map('jump').initialSlots).toEqual([{ slot: 0, kind: 'program', program: 'tail_target' }]);
    expect(map('pinned_hash')).toMatchObject({ type: BpfMapType.HASH, keySize: 8, valueSize: 20, flags: 1, pinning: 1, numaNode: 0 });
    const btf = parseBtf(obj.btfBytes!);
    expect(formatType(btf, map('pinned_hash').btfValueTypeId)).toBe('struct { __u32 count; char comm[16]; }');
  });

  it('makes global data and kconfig externs array maps with libbpf flags and layout', () => {
    expect(map('.data.custom')).toMatchObject({ origin: 'data', valueSize: 4, flags: BPF_F_MMAPABLE });
    expect([...map('.data.custom').initialData!]).toEqual([7, 0, 0, 0]);
    expect(map('elf_feat.rodata').flags & BPF_F_RDONLY_PROG).toBe(BPF_F_RDONLY_PROG);
    // libbpf sorts externs by alignment, size, then name: CONFIG_HZ (int) at 0, LINUX_KERNEL_VERSION at 4.
    expect(map('elf_fea.kconfig')).toMatchObject({ origin: 'kconfig', valueSize: 8, flags: BPF_F_RDONLY_PROG });
    const uses = prog('uses_everything');
    const kconfigRefs = uses.references.filter((r) => r.kind === 'map_value' && r.mapIndex === mapIndex('elf_fea.kconfig'));
    expect(kconfigRefs.map((r) => (r as { offset: number }).offset).sort()).toEqual([0, 4]);
    for (const r of kconfigRefs) {
      expect(uses.insns[r.insn]).toMatchObject({ opcode: 0x18, src: 6, imm: mapIndex('elf_fea.kconfig') });
      expect(uses.insns[r.insn + 1]!.imm).toBe((r as { offset: number }).offset);
    }
  });

  it('links static, global and callback subprograms once each, after the program', () => {
    const uses = prog('uses_everything');
    const linked = uses.references.filter((r) => r.kind === 'subprog' || r.kind === 'func_addr').map((r) => [r.kind, (r as { name: string }).name]);
    expect(linked).toEqual([
      ['func_addr', 'loop_body'],
      ['subprog', 'twice'],
      ['subprog', 'global_helper'],
    ]);
    expect(uses.funcInfo.map((f) => f.name)).toEqual(['uses_everything', 'loop_body', 'twice', 'global_helper']);
    // optional_tc links only what it calls
    expect(prog('optional_tc').funcInfo.map((f) => f.name)).toEqual(['optional_tc', 'twice']);
  });
});

(corpusObjects().includes('elf_externs.o') ? describe : describe.skip)('loadBpfObject on elf_externs.o', () => {
  const obj = corpusObjects().includes('elf_externs.o') ? loadBpfObject(readObject('elf_externs.o'), { name: 'elf_externs.o' }) : undefined!;

  it('marks kfunc calls and leaves ksyms for the kernel loader', () => {
    const prog = obj.programs[0]!;
    const kfuncs = prog.references.filter((r) => r.kind === 'kfunc');
    expect(kfuncs.map((r) => (r as { name: string }).name)).toEqual(['bpf_rcu_read_lock', 'bpf_rcu_read_unlock']);
    for (const r of kfuncs) expect(prog.insns[r.insn]).toMatchObject({ opcode: 0x85, src: 2, imm: 0 });
    expect(prog.references.filter((r) => r.kind === 'extern').map((r) => (r as { name: string }).name)).toEqual(['bpf_prog_active']);
    expect(prog.references.filter((r) => r.kind === 'func_addr').map((r) => (r as { name: string }).name)).toEqual(['count_one']);
  });

  it('makes custom data sections and merged strings into maps named by section', () => {
    expect(obj.maps.map((m) => [m.name, m.origin])).toEqual([
      ['seen', 'btf'],
      ['.data.flags', 'data'],
      ['.bss.counts', 'bss'],
      ['.rodata.str1.1', 'rodata'],
    ]);
    const str = obj.maps.find((m) => m.name === '.rodata.str1.1')!;
    expect(new TextDecoder().decode(str.initialData)).toBe('n=%d\n\0');
  });
});

(corpusObjects().includes('global_data.o') ? describe : describe.skip)('global data through BTF', () => {
  it('decodes each section\'s initial bytes by its DATASEC into the C initialisers', () => {
    const obj = loadBpfObject(readObject('global_data.o'), { name: 'global_data.o' });
    const btf = parseBtf(obj.btfBytes!);
    const value = (section: string) => {
      const m = obj.maps.find((x) => x.section === section)!;
      return decodeValue(btf, m.btfValueTypeId, m.initialData!);
    };
    // global_data.bpf.c: generation = 7, tag = "bpfleet"; sample_every = 4, max_len = 1500, {XDP_PASS, XDP_DROP}
    expect(value('.data')).toEqual({ generation: 7, tag: 'bpfleet' });
    expect(value('.rodata')).toEqual({ sample_every: 4, max_len: 1500, verdict_for_big: [2, 1] });
    expect(value('.bss')).toEqual({ packets_seen: 0, verdict_counts: [0, 0, 0], last_len: 0 });
  });
});

/** Byte offset of the field an access string (`0:1:2`) names, walking the BTF like libbpf's CO-RE. */
function accessOffset(btf: Btf, typeId: number, access: string): number {
  const [first, ...rest] = access.split(':').map(Number);
  let offset = first! * btf.sizeOf(typeId);
  let t = btf.resolve(typeId);
  for (const idx of rest) {
    if (t.kind === BtfKind.ARRAY) {
      offset += idx * btf.sizeOf(t.type);
      t = btf.resolve(t.type);
    } else if (t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION) {
      const m = t.members[idx]!;
      offset += m.bitOffset / 8;
      t = btf.resolve(m.type);
    } else {
      throw new Error(`cannot index ${BtfKind[t.kind]}`);
    }
  }
  return offset;
}

(corpusObjects().includes('core_task.o') ? describe : describe.skip)('CO-RE relocations (recorded, not applied)', () => {
  it('points each field-offset relocation at an instruction that uses the offset its access string names', () => {
    const obj = loadBpfObject(readObject('core_task.o'), { name: 'core_task.o' });
    const btf = parseBtf(obj.btfBytes!);
    const prog = obj.programs[0]!;
    const offsets = prog.coreRelocations.filter((c) => c.kind === BpfCoreReloKind.FIELD_BYTE_OFFSET);
    expect(offsets.length).toBeGreaterThan(3);
    for (const c of offsets) {
      expect(c.accessString).toMatch(/^\d+(:\d+)*$/);
      const insn = prog.insns[c.insn]!;
      const want = accessOffset(btf, c.typeId, c.accessString);
      // clang encodes the local offset either as the immediate (r = off) or as the memory offset.
      expect([insn.imm, insn.offset]).toContain(want);
    }
    expect(prog.coreRelocations.some((c) => c.kind === BpfCoreReloKind.FIELD_EXISTS)).toBe(true);
  });
});

(corpusObjects().includes('subprogs.o') ? describe : describe.skip)('refusing broken code', () => {
  it('refuses a call into the middle of a function', () => {
    const bytes = readObject('subprogs.o').slice();
    const elf = parseElfFile(bytes);
    const tc = elf.sectionByName('tc')!;
    const view = new DataView(bytes.buffer);
    // Find the first unrelocated-by-symbol-value call and bend it by one slot.
    const reloc = elf.relocations.get(tc.index)!.find((r) => bytes[tc.offset + r.offset] === 0x85)!;
    view.setInt32(tc.offset + reloc.offset + 4, view.getInt32(tc.offset + reloc.offset + 4, true) + 1, true);
    expect(() => loadBpfObject(bytes)).toThrow(expect.objectContaining({ code: 'E_PROGRAM' }));
  });

  it('refuses a relocation on an instruction that is neither lddw nor call', () => {
    const bytes = readObject('subprogs.o').slice();
    const elf = parseElfFile(bytes);
    const tc = elf.sectionByName('tc')!;
    const reloc = elf.relocations.get(tc.index)!.find((r) => bytes[tc.offset + r.offset] === 0x18)!;
    bytes[tc.offset + reloc.offset] = 0xb7; // mov64 imm
    expect(() => loadBpfObject(bytes)).toThrow(ElfError);
    expect(() => loadBpfObject(bytes)).toThrow(/neither lddw nor call/);
  });

  it('enforces the instruction limit', () => {
    expect(() => loadBpfObject(readObject('subprogs.o'), { maxProgramInsns: 10 })).toThrow(expect.objectContaining({ code: 'E_LIMIT' }));
    expect(() => loadBpfObject(readObject('subprogs.o'), { maxBytes: 100 })).toThrow(expect.objectContaining({ code: 'E_TOO_LARGE' }));
  });
});

describe('objects clang would not write', () => {
  /** `n` two-slot functions (kfunc call + exit) in one xdp section, each call relocated against an extern. */
  function manyFunctions(n: number): Uint8Array {
    const code = new Uint8Array(n * 16);
    const rel = new Uint8Array(n * 16);
    const cv = new DataView(code.buffer);
    const rv = new DataView(rel.buffer);
    for (let i = 0; i < n; i++) {
      cv.setUint8(i * 16, 0x85);
      cv.setUint8(i * 16 + 1, 0x10);
      cv.setInt32(i * 16 + 4, -1, true);
      cv.setUint8(i * 16 + 8, 0x95);
      rv.setBigUint64(i * 16, BigInt(i * 16), true);
      rv.setBigUint64(i * 16 + 8, (BigInt(n + 1) << 32n) | 10n, true); // symbol n+1 (the extern), R_BPF_64_32
    }
    const symbols = [
      ...Array.from({ length: n }, (_, i) => ({ name: `f${i}`, value: i * 16, size: 16, info: (1 << 4) | 2, shndx: 1 })),
      { name: 'some_kfunc', value: 0, size: 0, info: (1 << 4) | 0, shndx: 0 },
    ];
    return writeElf(
      [
        { name: 'xdp', type: 1, flags: 6, data: code },
        { name: '.relxdp', type: 9, flags: 0, data: rel, link: 4, info: 1, entsize: 16 },
        { name: 'license', type: 1, flags: 3, data: new TextEncoder().encode('GPL\0') },
      ],
      symbols,
    );
  }

  it('loads a hand-written object without BTF', () => {
    const obj = loadBpfObject(manyFunctions(3), { name: 'hand.o' });
    expect(obj.license).toBe('GPL');
    expect(obj.programs.map((p) => [p.name, p.type, p.insns.length])).toEqual([
      ['f0', BpfProgType.XDP, 2],
      ['f1', BpfProgType.XDP, 2],
      ['f2', BpfProgType.XDP, 2],
    ]);
    expect(obj.programs[1]!.references).toEqual([{ kind: 'kfunc', insn: 0, name: 'some_kfunc' }]);
    expect(obj.btfBytes).toBeUndefined();
  });

  it('refuses more code than the budget before decoding it', () => {
    expect(() => loadBpfObject(manyFunctions(3), { maxTotalInsns: 5 })).toThrow(expect.objectContaining({ code: 'E_LIMIT' }));
    expect(loadBpfObject(manyFunctions(3), { maxTotalInsns: 6 }).programs).toHaveLength(3);
  });

  /** One program of `n` map loads, each relocated against its own legacy map (n maps). */
  function manyMapLoads(n: number): Uint8Array {
    const code = new Uint8Array(n * 16 + 8);
    const rel = new Uint8Array(n * 16);
    const defs = new Uint8Array(n * 20);
    const cv = new DataView(code.buffer);
    const rv = new DataView(rel.buffer);
    const dv = new DataView(defs.buffer);
    for (let i = 0; i < n; i++) {
      cv.setUint8(i * 16, 0x18);
      cv.setUint8(i * 16 + 1, 0x01);
      rv.setBigUint64(i * 16, BigInt(i * 16), true);
      rv.setBigUint64(i * 16 + 8, (BigInt(i + 1) << 32n) | 1n, true); // symbol m<i>, R_BPF_64_64
      dv.setUint32(i * 20, BpfMapType.ARRAY, true);
      dv.setUint32(i * 20 + 4, 4, true);
      dv.setUint32(i * 20 + 8, 8, true);
      dv.setUint32(i * 20 + 12, 1, true);
    }
    cv.setUint8(n * 16, 0x95);
    const symbols = [
      ...Array.from({ length: n }, (_, i) => ({ name: `m${i}`, value: i * 20, size: 20, info: (1 << 4) | 1, shndx: 3 })),
      { name: 'prog', value: 0, size: code.length, info: (1 << 4) | 2, shndx: 1 },
    ];
    return writeElf(
      [
        { name: 'socket', type: 1, flags: 6, data: code },
        { name: '.relsocket', type: 9, flags: 0, data: rel, link: 4, info: 1, entsize: 16 },
        { name: 'maps', type: 1, flags: 3, data: defs },
      ],
      symbols,
    );
  }

  it('stays linear in the number of maps and relocations', () => {
    // Relocations find their map through an index; a scan per relocation would make 4× the maps and
    // loads cost 16× the time. Best of two runs each, since the machine may be busy.
    const time = (n: number) => {
      const bytes = manyMapLoads(n);
      let best = Infinity;
      for (let i = 0; i < 2; i++) {
        const start = performance.now();
        const obj = loadBpfObject(bytes);
        expect(obj.maps).toHaveLength(n);
        expect(obj.programs[0]!.references).toHaveLength(n);
        best = Math.min(best, performance.now() - start);
      }
      return best;
    };
    const small = time(5_000);
    const large = time(20_000);
    expect(large).toBeLessThan(8 * small + 100);
  });

  it('handles many functions in one section', () => {
    expect(loadBpfObject(manyFunctions(5_000)).programs).toHaveLength(5_000);
  });
});
