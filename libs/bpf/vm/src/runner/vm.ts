import { BpfMapType, BpfProgType, type BpfMapSpec, type BpfObject, type BpfProgramSpec } from '@bpfleet/elf';
import {
  ETH_HLEN,
  LOOPBACK_IFINDEX,
  RAW_TP_MAX_ARGS,
  SK_BUFF,
  SKB_HEADROOM,
  SKB_SHARED_INFO_SIZE,
  XDP_FRAME_SIZE,
  XDP_FRAME_SZ,
  XDP_MD,
  XDP_PACKET_HEADROOM,
} from '../context/layouts.js';
import { buildHelperTable } from '../helpers/table.js';
import { encodeMapPointer, type ExecutionEnv, type HelperTable, type ProgramHandle } from '../helpers/types.js';
import { DEFAULT_INSN_BUDGET } from '../interpreter/interpreter.js';
import { DecodedProgram, type MapLinker } from '../interpreter/program.js';
import { RunContext } from '../interpreter/run-context.js';
import { ArrayMap, BPF_F_RDONLY_PROG } from '../maps/array.js';
import { createMap } from '../maps/create.js';
import { E2BIG, EINVAL, ENOTSUPP } from '../maps/errno.js';
import type { VmMap } from '../maps/map.js';
import { ProgArrayMap } from '../maps/prog-array.js';
import { AddressSpace, type Region } from '../memory/address-space.js';
import { VmError } from '../memory/fault.js';
import { PERM_READ, PERM_RW, RegionKind } from '../memory/layout.js';
import { interpreterEngine, type Engine, type EngineFactory } from './engine.js';
import { defaultEnv } from './env.js';
import { TestRunError } from './errors.js';
import { PacketState } from './packet.js';
import { prepareRun, type PreparedRun, type PreparedRunHost } from './prepared.js';

export interface VmOptions {
  /** Possible CPUs (per-CPU map values). Default 1. */
  readonly cpus?: number;
  /** Address space bound in bytes. */
  readonly memoryBytes?: number;
  readonly env?: ExecutionEnv;
  /** Engine to run programs with (default: the interpreter). */
  readonly engine?: EngineFactory;
  /** Instruction budget per run. */
  readonly budget?: number;
}

export interface TestRunInput {
  /** Packet bytes (xdp, skb program types). */
  readonly data?: Uint8Array;
  /** Context bytes (`struct xdp_md`, `struct __sk_buff`, raw_tp args, syscall ctx...). */
  readonly ctx?: Uint8Array;
  /** Runs on the same buffer (the kernel does not reset the packet between repeats). Default 1. */
  readonly repeat?: number;
  /** CPU the program runs on. Default 0. */
  readonly cpu?: number;
}

export interface TestRunOutput {
  /** r0 of the last run, truncated to 32 bits as BPF_PROG_TEST_RUN reports it. */
  readonly retval: number;
  /** Full 64-bit r0 of the last run. */
  readonly r0: bigint;
  readonly dataOut: Uint8Array;
  /** Context after the run, or undefined when the kernel would not report one. */
  readonly ctxOut?: Uint8Array;
  readonly runs: number;
  /** Mean wall time per run. */
  readonly nsPerRun: number;
  /** Instructions executed by the last run. */
  readonly insns: number;
  readonly redirects: RunContext['redirects'];
}

/** Largest packets the kernel's test run accepts without fragments. */
const XDP_MAX_DATA = XDP_FRAME_SZ - XDP_PACKET_HEADROOM - SKB_SHARED_INFO_SIZE;
const SKB_MAX_DATA = XDP_FRAME_SZ - SKB_HEADROOM - SKB_SHARED_INFO_SIZE;
const CTX_CAPACITY = 0x10000;
const PACKET_CAPACITY = XDP_FRAME_SZ;

/**
 * One loaded `BpfObject` in the VM: its maps (created with kernel semantics in one address space),
 * its programs (decoded on first use, so a missing helper is reported when that program loads),
 * and a runner with BPF_PROG_TEST_RUN semantics.
 */
export class BpfVm {
  readonly mem: AddressSpace;
  readonly maps: readonly VmMap[];
  readonly helpers: HelperTable;
  readonly engine: Engine;
  readonly cpus: number;
  readonly env: ExecutionEnv;
  private readonly budget: number;
  private readonly decoded = new Map<string, DecodedProgram>();
  private readonly ctxRegion: Region;
  private readonly packetRegion: Region;
  private readonly linker: MapLinker;
  /** Who set the context and packet regions up last: a prepared run skips its setup while it is itself. */
  private regionOwner: object | null = null;

  constructor(
    readonly object: BpfObject,
    options: VmOptions = {},
  ) {
    this.cpus = options.cpus ?? 1;
    if (!Number.isInteger(this.cpus) || this.cpus < 1 || this.cpus > 1024) throw new VmError('EINVAL', `cpu count ${this.cpus} must be 1..1024`);
    this.env = options.env ?? defaultEnv();
    this.budget = options.budget ?? DEFAULT_INSN_BUDGET;
    this.mem = new AddressSpace({ maxBytes: options.memoryBytes });
    const env = { mem: this.mem, cpus: this.cpus };
    this.maps = object.maps.map((spec, i) => createMap(i, vmSpec(spec), env, (id) => this.programById(id)));
    const scratch = this.mem.allocate('helper scratch', RegionKind.Scratch, 4096, PERM_READ);
    this.helpers = buildHelperTable({ mem: this.mem, maps: this.maps, scratch });
    this.ctxRegion = this.mem.allocate('ctx', RegionKind.Context, CTX_CAPACITY, PERM_RW);
    this.packetRegion = this.mem.allocate('packet', RegionKind.Packet, PACKET_CAPACITY, PERM_RW);
    this.engine = (options.engine ?? interpreterEngine)(this.mem, this.helpers, () => this.maps);
    this.linker = {
      mapPointer: (index) => {
        if (!this.maps[index]) throw new VmError('EMAPREF', `lddw refers to map #${index}, the object has ${this.maps.length}`);
        return encodeMapPointer(index);
      },
      mapValueAddress: (index, offset) => {
        const map = this.maps[index];
        if (!(map instanceof ArrayMap)) throw new VmError('EMAPREF', `direct value access needs an array map (map #${index})`);
        if (offset < 0 || offset >= map.spec.valueSize) throw new VmError('EMAPREF', `offset ${offset} is outside map ${map.name}'s value (${map.spec.valueSize} bytes)`);
        return BigInt(map.valueAddress(0) + offset);
      },
    };
  }

  /** The map libbpf would call `name`. */
  map(name: string): VmMap {
    const map = this.maps.find((m) => m.name === name);
    if (!map) throw new VmError('EINVAL', `no map ${name} (maps: ${this.maps.map((m) => m.name).join(', ') || 'none'})`);
    return map;
  }

  spec(name: string): BpfProgramSpec {
    const spec = this.object.programs.find((p) => p.name === name);
    if (!spec) throw new VmError('EINVAL', `no program ${name} (programs: ${this.object.programs.map((p) => p.name).join(', ') || 'none'})`);
    return spec;
  }

  /** Loads (decodes and links) a program; unknown helpers and bad map references fail here. */
  program(name: string): DecodedProgram {
    let program = this.decoded.get(name);
    if (!program) {
      const spec = this.spec(name);
      program = new DecodedProgram(spec.insns, { helpers: this.helpers, maps: this.linker, name });
      this.decoded.set(name, program);
    }
    return program;
  }

  private programById(id: number): ProgramHandle | undefined {
    const spec = this.object.programs[id];
    return spec ? this.program(spec.name) : undefined;
  }

  /** Stores program `programName` at `index` of prog array `mapName` (what user space does with fds). */
  setTailCall(mapName: string, index: number, programName: string): void {
    const map = this.map(mapName);
    if (!(map instanceof ProgArrayMap)) throw new VmError('EINVAL', `map ${mapName} is not a prog array`);
    map.setProgram(index, this.program(programName), this.object.programs.findIndex((p) => p.name === programName));
  }

  /**
   * Program `name` ready to run on one input after another (the agent's events): each `run(bytes)`
   * is `testRun(name, { data: bytes })` for packet program types or `testRun(name, { ctx: bytes })`
   * for the others, once, without building the context, packet state and options again. XDP and
   * context-only types have this allocation-free form; skb types take the test run path.
   */
  prepare(name: string): PreparedRun {
    const spec = this.spec(name);
    const program = this.program(name);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host's accessors reach this VM's private state
    const vm = this;
    const host: PreparedRunHost = {
      mem: this.mem,
      engine: this.engine,
      env: this.env,
      budget: this.budget,
      cpus: this.cpus,
      ctxRegion: this.ctxRegion,
      packetRegion: this.packetRegion,
      get regionOwner(): object | null {
        return vm.regionOwner;
      },
      set regionOwner(owner: object | null) {
        vm.regionOwner = owner;
      },
      setContext: (bytes, perms) => this.setContext(bytes, perms),
      testRun: (input, cpu) => this.testRun(name, { data: input, cpu }),
    };
    return prepareRun(name, spec.type, program, host);
  }

  /** BPF_PROG_TEST_RUN: runs program `name` `repeat` times on the input and reports like the kernel. */
  testRun(name: string, input: TestRunInput = {}): TestRunOutput {
    this.regionOwner = null;
    const spec = this.spec(name);
    const program = this.program(name);
    const repeat = input.repeat ?? 1;
    if (!Number.isInteger(repeat) || repeat < 1) throw new TestRunError(EINVAL, `repeat must be a positive integer, got ${repeat}`);
    const cpu = input.cpu ?? 0;
    if (cpu < 0 || cpu >= this.cpus) throw new TestRunError(EINVAL, `cpu ${cpu} is not one of the VM's ${this.cpus} CPUs`);
    switch (spec.type) {
      case BpfProgType.XDP:
        return this.runXdp(program, input, repeat, cpu);
      case BpfProgType.SCHED_CLS:
      case BpfProgType.SCHED_ACT:
        return this.runSkb(program, input, repeat, cpu, true);
      case BpfProgType.SOCKET_FILTER:
      case BpfProgType.CGROUP_SKB:
      case BpfProgType.LWT_IN:
      case BpfProgType.LWT_OUT:
      case BpfProgType.LWT_XMIT:
        return this.runSkb(program, input, repeat, cpu, false);
      case BpfProgType.RAW_TRACEPOINT:
      case BpfProgType.RAW_TRACEPOINT_WRITABLE:
        return this.runRawTp(program, input, repeat, cpu);
      case BpfProgType.SYSCALL:
        return this.runWithContext(program, input, repeat, cpu, true, true);
      case BpfProgType.TRACEPOINT:
      case BpfProgType.KPROBE:
      case BpfProgType.PERF_EVENT:
      case BpfProgType.TRACING:
        // The kernel has no test run for these (-ENOTSUPP); the VM runs them on the given context,
        // which is how the agent feeds them events.
        return this.runWithContext(program, input, repeat, cpu, false, false);
      default:
        throw new TestRunError(ENOTSUPP, `program type ${BpfProgType[spec.type] ?? spec.type} has no test run in the VM`);
    }
  }

  private execute(program: DecodedProgram, ctx: RunContext, args: readonly bigint[], repeat: number, skbData?: { address: number; length: number }) {
    const engine = this.engine;
    // Compile before the clock starts, so the time per run is the program's alone.
    engine.compile?.(program);
    const options = { args, budget: this.budget, skbData };
    let result = { r0: 0n, insns: 0 };
    const start = process.hrtime.bigint();
    let left = repeat;
    if (engine.repeatsInternally && repeat > 1) {
      // All runs but the last in one call (the engine loops on the same memory, as the kernel
      // does); the last on its own, so the run's redirects are the last run's only.
      engine.run(program, ctx, { ...options, repeat: repeat - 1 });
      left = 1;
    }
    for (; left > 0; left--) {
      ctx.exitRequested = false;
      ctx.tailCallTarget = null;
      if (ctx.redirects.length !== 0) ctx.redirects.length = 0;
      result = engine.run(program, ctx, options);
    }
    const elapsed = Number(process.hrtime.bigint() - start);
    return { r0: result.r0, insns: result.insns, nsPerRun: elapsed / repeat };
  }

  private setContext(bytes: Uint8Array, perms: number): number {
    const base = this.ctxRegion.base;
    this.mem.u8.fill(0, base, base + Math.max(bytes.length, 1));
    this.mem.u8.set(bytes, base);
    this.mem.setBounds(this.ctxRegion, base, base + bytes.length);
    this.mem.setPerms(this.ctxRegion, perms);
    return base;
  }

  private runXdp(program: DecodedProgram, input: TestRunInput, repeat: number, cpu: number): TestRunOutput {
    const data = input.data ?? new Uint8Array(0);
    if (data.length < ETH_HLEN) throw new TestRunError(EINVAL, `XDP test data must be at least ${ETH_HLEN} bytes (got ${data.length})`);
    if (data.length > XDP_MAX_DATA) throw new TestRunError(EINVAL, `XDP test data of ${data.length} bytes needs fragments, which the VM does not model (max ${XDP_MAX_DATA})`);
    const ctxIn = input.ctx;
    let metaLen = 0;
    let ingress = LOOPBACK_IFINDEX;
    let rxQueue = 0;
    if (ctxIn) {
      if (ctxIn.length > XDP_MD.size && !ctxIn.subarray(XDP_MD.size).every((b) => b === 0)) throw new TestRunError(EINVAL, 'xdp_md: bytes past the struct must be zero');
      const v = new DataView(padTo(ctxIn, XDP_MD.size).buffer);
      const dataField = v.getUint32(XDP_MD.data, true);
      const end = v.getUint32(XDP_MD.data_end, true);
      if (v.getUint32(XDP_MD.data_meta, true) !== 0 || end !== data.length || dataField > end || (dataField & 3) !== 0 || dataField > 32 || v.getUint32(XDP_MD.egress_ifindex, true) !== 0) {
        throw new TestRunError(EINVAL, 'xdp_md: data_meta and egress_ifindex must be 0, data_end the data length, data a metadata length (multiple of 4, at most 32)');
      }
      metaLen = dataField;
      if (v.getUint32(XDP_MD.ingress_ifindex, true) !== 0) ingress = v.getUint32(XDP_MD.ingress_ifindex, true);
      rxQueue = v.getUint32(XDP_MD.rx_queue_index, true);
      if (ingress === LOOPBACK_IFINDEX && rxQueue !== 0) throw new TestRunError(EINVAL, `rx_queue_index ${rxQueue} does not exist on the loopback device`);
    }
    const hardStart = this.packetRegion.base;
    const ctxAddress = this.setContext(new Uint8Array(XDP_MD.size), PERM_READ);
    const view = this.mem.view;
    view.setUint32(ctxAddress + XDP_MD.ingress_ifindex, ingress, true);
    view.setUint32(ctxAddress + XDP_MD.rx_queue_index, rxQueue, true);
    const packet = new PacketState('xdp', this.mem, this.packetRegion, hardStart + XDP_FRAME_SIZE, hardStart + XDP_FRAME_SZ - SKB_SHARED_INFO_SIZE, (p) => {
      view.setUint32(ctxAddress + XDP_MD.data, p.data, true);
      view.setUint32(ctxAddress + XDP_MD.data_end, p.end, true);
      view.setUint32(ctxAddress + XDP_MD.data_meta, p.meta, true);
    });
    this.mem.u8.fill(0, hardStart, hardStart + XDP_FRAME_SZ);
    const meta = hardStart + XDP_PACKET_HEADROOM - metaLen;
    this.mem.u8.set(data, meta);
    packet.move(meta, meta + metaLen, meta + data.length);
    const ctx = new RunContext(this.mem, this.env, cpu, packet);
    const { r0, insns, nsPerRun } = this.execute(program, ctx, [BigInt(ctxAddress)], repeat);
    let ctxOut: Uint8Array | undefined;
    if (ctxIn) {
      ctxOut = padTo(ctxIn, XDP_MD.size).slice(0, ctxIn.length);
      const out = new DataView(ctxOut.buffer);
      out.setUint32(XDP_MD.data, packet.data - packet.meta, true);
      out.setUint32(XDP_MD.data_end, packet.end - packet.meta, true);
    }
    return { retval: Number(r0 & 0xffffffffn), r0, dataOut: packet.bytes(packet.meta), ctxOut, runs: repeat, nsPerRun, insns, redirects: ctx.redirects };
  }

  private runSkb(program: DecodedProgram, input: TestRunInput, repeat: number, cpu: number, isL2: boolean): TestRunOutput {
    const data = input.data ?? new Uint8Array(0);
    if (data.length < ETH_HLEN) throw new TestRunError(EINVAL, `skb test data must be at least ${ETH_HLEN} bytes (got ${data.length})`);
    if (data.length > SKB_MAX_DATA) throw new TestRunError(EINVAL, `skb test data of ${data.length} bytes is larger than ${SKB_MAX_DATA}`);
    const ctxIn = input.ctx ? padTo(input.ctx, SK_BUFF.size) : new Uint8Array(SK_BUFF.size);
    if (input.ctx && input.ctx.length > SK_BUFF.size && !input.ctx.subarray(SK_BUFF.size).every((b) => b === 0)) throw new TestRunError(E2BIG, '__sk_buff: bytes past the struct must be zero');
    checkSkbContextIn(ctxIn);
    const inView = new DataView(ctxIn.buffer);
    const base = this.packetRegion.base;
    this.mem.u8.fill(0, base, base + PACKET_CAPACITY);
    const frame = base + SKB_HEADROOM;
    this.mem.u8.set(data, frame);
    const ctxAddress = this.setContext(ctxIn.slice(0, SK_BUFF.size), PERM_RW);
    const view = this.mem.view;
    const packet = new PacketState('skb', this.mem, this.packetRegion, base, base + PACKET_CAPACITY, (p) => {
      view.setUint32(ctxAddress + SK_BUFF.data, p.data, true);
      view.setUint32(ctxAddress + SK_BUFF.data_end, p.end, true);
      view.setUint32(ctxAddress + SK_BUFF.data_meta, p.meta, true);
      view.setUint32(ctxAddress + SK_BUFF.len, p.end - p.data, true);
    });
    const start = isL2 ? frame : frame + ETH_HLEN;
    packet.move(start, start, frame + data.length);
    const len = packet.end - packet.data;
    // eth_type_trans on the loopback device, whose address and broadcast address are both
    // 00:00:00:00:00:00: any group address is PACKET_MULTICAST (even ff:ff:ff:ff:ff:ff), the zero
    // address PACKET_HOST, anything else PACKET_OTHERHOST.
    const dest = data.subarray(0, 6);
    const pktType = (dest[0] & 1) !== 0 ? 2 : dest.every((b) => b === 0) ? 0 : 3;
    const etherType = (data[12] << 8) | data[13];
    const protocol = etherType >= 0x600 ? etherType : 0x0004;
    view.setUint32(ctxAddress + SK_BUFF.pkt_type, pktType, true);
    view.setUint32(ctxAddress + SK_BUFF.protocol, ((protocol & 0xff) << 8) | (protocol >> 8), true);
    view.setUint32(ctxAddress + SK_BUFF.ifindex, inView.getUint32(SK_BUFF.ifindex, true) || LOOPBACK_IFINDEX, true);
    // wire_len defaults to the length only when a context is passed (convert___skb_to_skb).
    if (input.ctx && inView.getUint32(SK_BUFF.wire_len, true) === 0) view.setUint32(ctxAddress + SK_BUFF.wire_len, len, true);
    // The test run's socket carries the packet's addresses (bpf_prog_test_run_skb).
    const l3 = frame + ETH_HLEN;
    if (protocol === 0x0800 && data.length >= ETH_HLEN + 20) {
      view.setUint32(ctxAddress + SK_BUFF.family, 2, true);
      view.setUint32(ctxAddress + SK_BUFF.local_ip4, view.getUint32(l3 + 12, true), true);
      view.setUint32(ctxAddress + SK_BUFF.remote_ip4, view.getUint32(l3 + 16, true), true);
    } else if (protocol === 0x86dd && data.length >= ETH_HLEN + 40) {
      view.setUint32(ctxAddress + SK_BUFF.family, 10, true);
      this.mem.u8.copyWithin(ctxAddress + SK_BUFF.local_ip6, l3 + 8, l3 + 24);
      this.mem.u8.copyWithin(ctxAddress + SK_BUFF.remote_ip6, l3 + 24, l3 + 40);
    }
    const ctx = new RunContext(this.mem, this.env, cpu, packet);
    const { r0, insns, nsPerRun } = this.execute(program, ctx, [BigInt(ctxAddress)], repeat, { address: packet.data, length: len });
    // Not-L2 programs ran on the packet past its Ethernet header; the kernel pushes the header back
    // zeroed before copying the data out.
    if (!isL2) this.mem.u8.fill(0, frame, frame + ETH_HLEN);
    const dataOut = this.mem.u8.slice(frame, packet.end);
    let ctxOut: Uint8Array | undefined;
    if (input.ctx) {
      ctxOut = ctxIn.slice(0, SK_BUFF.size);
      const out = new DataView(ctxOut.buffer);
      for (const field of ['mark', 'priority', 'ingress_ifindex', 'ifindex', 'wire_len', 'gso_segs'] as const) {
        out.setUint32(SK_BUFF[field], view.getUint32(ctxAddress + SK_BUFF[field], true), true);
      }
      out.setBigUint64(SK_BUFF.tstamp, view.getBigUint64(ctxAddress + SK_BUFF.tstamp, true), true);
      ctxOut.set(this.mem.u8.subarray(ctxAddress + SK_BUFF.cb, ctxAddress + SK_BUFF.cb + SK_BUFF.cbSize), SK_BUFF.cb);
      ctxOut = ctxOut.slice(0, input.ctx.length);
    }
    return { retval: Number(r0 & 0xffffffffn), r0, dataOut, ctxOut, runs: repeat, nsPerRun, insns, redirects: ctx.redirects };
  }

  private runRawTp(program: DecodedProgram, input: TestRunInput, repeat: number, cpu: number): TestRunOutput {
    if (input.data && input.data.length > 0) throw new TestRunError(EINVAL, 'raw tracepoint test runs take no data');
    if (repeat > 1) throw new TestRunError(EINVAL, 'raw tracepoint test runs do not repeat (the kernel refuses repeat)');
    const ctxIn = input.ctx ?? new Uint8Array(0);
    if (ctxIn.length > RAW_TP_MAX_ARGS * 8) throw new TestRunError(EINVAL, `raw tracepoint args are at most ${RAW_TP_MAX_ARGS} u64 values`);
    return this.runWithContext(program, { ...input, ctx: ctxIn }, 1, cpu, false, false);
  }

  private runWithContext(program: DecodedProgram, input: TestRunInput, repeat: number, cpu: number, writable: boolean, reportCtx: boolean): TestRunOutput {
    if (input.data && input.data.length > 0) throw new TestRunError(EINVAL, 'this program type takes no data, only a context');
    const ctxIn = input.ctx ?? new Uint8Array(0);
    if (ctxIn.length > 0xffff) throw new TestRunError(E2BIG, `context of ${ctxIn.length} bytes is larger than 65535`);
    const ctxAddress = ctxIn.length > 0 ? this.setContext(ctxIn, writable ? PERM_RW : PERM_READ) : 0;
    const ctx = new RunContext(this.mem, this.env, cpu);
    const { r0, insns, nsPerRun } = this.execute(program, ctx, [BigInt(ctxAddress)], repeat);
    const ctxOut = reportCtx && ctxIn.length > 0 ? this.mem.u8.slice(ctxAddress, ctxAddress + ctxIn.length) : undefined;
    return { retval: Number(r0 & 0xffffffffn), r0, dataOut: new Uint8Array(0), ctxOut, runs: repeat, nsPerRun, insns, redirects: ctx.redirects };
  }
}

/** Fields of `__sk_buff` a test run may set (convert___skb_to_skb); everything else must be zero. */
function checkSkbContextIn(ctx: Uint8Array): void {
  const allowed: [number, number][] = [
    [SK_BUFF.mark, 4],
    [SK_BUFF.priority, 4],
    [SK_BUFF.ingress_ifindex, 8],
    [SK_BUFF.cb, SK_BUFF.cbSize],
    [SK_BUFF.tstamp, 8],
    [SK_BUFF.wire_len, 8],
    [SK_BUFF.gso_size, 4],
    [SK_BUFF.hwtstamp, 8],
  ];
  for (let i = 0; i < SK_BUFF.size; i++) {
    if (ctx[i] === 0) continue;
    if (!allowed.some(([off, len]) => i >= off && i < off + len)) throw new TestRunError(EINVAL, `__sk_buff byte ${i} may not be set in a test run`);
  }
}

function padTo(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(Math.max(size, bytes.length));
  out.set(bytes);
  return out;
}

/** Global data maps: `.rodata` (and `.kconfig`) are read-only to programs whatever the flags say. */
function vmSpec(spec: BpfMapSpec): BpfMapSpec {
  if ((spec.origin === 'rodata' || spec.origin === 'kconfig') && spec.type === BpfMapType.ARRAY) return { ...spec, flags: spec.flags | BPF_F_RDONLY_PROG };
  return spec;
}
