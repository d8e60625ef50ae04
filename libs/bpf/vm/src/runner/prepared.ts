import { BpfProgType } from '@bpfleet/elf';
import { ETH_HLEN, LOOPBACK_IFINDEX, RAW_TP_MAX_ARGS, SKB_SHARED_INFO_SIZE, XDP_FRAME_SIZE, XDP_FRAME_SZ, XDP_MD, XDP_PACKET_HEADROOM } from '../context/layouts.js';
import type { ExecutionEnv } from '../helpers/types.js';
import type { DecodedProgram } from '../interpreter/program.js';
import { RunContext } from '../interpreter/run-context.js';
import { E2BIG, EINVAL } from '../maps/errno.js';
import type { AddressSpace, Region } from '../memory/address-space.js';
import { PERM_READ, PERM_RW } from '../memory/layout.js';
import type { Engine, EngineRunOptions } from './engine.js';
import { TestRunError } from './errors.js';
import { PacketState } from './packet.js';
import type { TestRunOutput } from './vm.js';

/** What a prepared run needs from its VM (the VM's shared context and packet regions among them). */
export interface PreparedRunHost {
  readonly mem: AddressSpace;
  readonly engine: Engine;
  readonly env: ExecutionEnv;
  readonly budget: number;
  readonly cpus: number;
  readonly ctxRegion: Region;
  readonly packetRegion: Region;
  /** Who set the context and packet regions up last (a test run sets it to null). */
  regionOwner: object | null;
  /** Places context bytes in the context region (zero-filled, bounds and permissions set); returns its address. */
  setContext(bytes: Uint8Array, perms: number): number;
  /** The full BPF_PROG_TEST_RUN path (one run on `input` as data), for program types without a prepared form. */
  testRun(input: Uint8Array, cpu: number): TestRunOutput;
}

/**
 * One program ready to run on event after event: `run(bytes)` gives what
 * `testRun(name, { data: bytes })` (packet program types) or `testRun(name, { ctx: bytes })` gives
 * for one run, with the same maps, errors and faults, but the context, packet state, run context
 * and engine options are built once, so a run copies the input in and allocates nothing of its own.
 */
export interface PreparedRun {
  readonly program: string;
  /** Runs the program once on `input`; returns r0's low 32 bits (the test run's retval). */
  run(input: Uint8Array, cpu?: number): number;
  /** Full 64-bit r0 of the last run. */
  readonly r0: bigint;
  /** Instructions the last run executed. */
  readonly insns: number;
  /** The packet after the last run, as the test run's data out (a copy; empty for context-only types). */
  dataOut(): Uint8Array;
}

const XDP_MAX_DATA = XDP_FRAME_SZ - XDP_PACKET_HEADROOM - SKB_SHARED_INFO_SIZE;

/** Shared part: per-CPU run contexts reset before each run, the engine options built once. */
abstract class PreparedBase implements PreparedRun {
  r0 = 0n;
  insns = 0;
  private readonly contexts: RunContext[] = [];

  constructor(
    readonly program: string,
    protected readonly host: PreparedRunHost,
    private readonly decoded: DecodedProgram,
  ) {
    host.engine.compile?.(decoded);
  }

  abstract run(input: Uint8Array, cpu?: number): number;

  dataOut(): Uint8Array {
    return new Uint8Array(0);
  }

  protected execute(cpu: number, options: EngineRunOptions, packet?: PacketState): number {
    if (!(cpu >= 0 && cpu < this.host.cpus)) throw new TestRunError(EINVAL, `cpu ${cpu} is not one of the VM's ${this.host.cpus} CPUs`);
    let ctx = this.contexts[cpu];
    if (ctx === undefined) {
      ctx = new RunContext(this.host.mem, this.host.env, cpu, packet);
      this.contexts[cpu] = ctx;
    }
    ctx.exitRequested = false;
    ctx.exitValue = 0n;
    ctx.tailCallTarget = null;
    if (ctx.redirects.length !== 0) ctx.redirects.length = 0;
    const result = this.host.engine.run(this.decoded, ctx, options);
    this.r0 = result.r0;
    this.insns = result.insns;
    return Number(BigInt.asUintN(32, result.r0));
  }
}

/** XDP: the `xdp_md` of a test run without ctx in, the packet copied into a zeroed frame. */
class PreparedXdp extends PreparedBase {
  private readonly packet: PacketState;
  private readonly options: EngineRunOptions;
  private readonly hardStart: number;
  /** Bytes of the frame the last run could have changed: every range the packet's bounds covered. */
  private dirtyLo = 0;
  private dirtyHi = 0;

  constructor(program: string, host: PreparedRunHost, decoded: DecodedProgram) {
    super(program, host, decoded);
    const ctxAddress = host.ctxRegion.base;
    const view = (): DataView => host.mem.view;
    this.hardStart = host.packetRegion.base;
    this.packet = new PacketState('xdp', host.mem, host.packetRegion, this.hardStart + XDP_FRAME_SIZE, this.hardStart + XDP_FRAME_SZ - SKB_SHARED_INFO_SIZE, (p) => {
      const v = view();
      v.setUint32(ctxAddress + XDP_MD.data, p.data, true);
      v.setUint32(ctxAddress + XDP_MD.data_end, p.end, true);
      v.setUint32(ctxAddress + XDP_MD.data_meta, p.meta, true);
      if (p.meta < this.dirtyLo) this.dirtyLo = p.meta;
      if (p.end > this.dirtyHi) this.dirtyHi = p.end;
    });
    this.options = { args: [BigInt(ctxAddress)], budget: host.budget };
  }

  run(input: Uint8Array, cpu = 0): number {
    if (input.length < ETH_HLEN) throw new TestRunError(EINVAL, `XDP test data must be at least ${ETH_HLEN} bytes (got ${input.length})`);
    if (input.length > XDP_MAX_DATA) throw new TestRunError(EINVAL, `XDP test data of ${input.length} bytes needs fragments, which the VM does not model (max ${XDP_MAX_DATA})`);
    const host = this.host;
    const u8 = host.mem.u8;
    if (host.regionOwner !== this) {
      host.setContext(EMPTY_XDP_MD, PERM_READ);
      host.mem.view.setUint32(host.ctxRegion.base + XDP_MD.ingress_ifindex, LOOPBACK_IFINDEX, true);
      u8.fill(0, this.hardStart, this.hardStart + XDP_FRAME_SZ);
      host.regionOwner = this;
    } else if (this.dirtyHi > this.dirtyLo) {
      u8.fill(0, this.dirtyLo, this.dirtyHi);
    }
    const data = this.hardStart + XDP_PACKET_HEADROOM;
    this.dirtyLo = data;
    this.dirtyHi = data;
    u8.set(input, data);
    this.packet.move(data, data, data + input.length);
    return this.execute(cpu, this.options, this.packet);
  }

  override dataOut(): Uint8Array {
    return this.packet.bytes(this.packet.meta);
  }
}

/** Programs whose whole input is their context (raw_tp, syscall, tracepoint, kprobe, perf_event...). */
class PreparedContext extends PreparedBase {
  private readonly withCtx: EngineRunOptions;
  private readonly withoutCtx: EngineRunOptions;

  constructor(
    program: string,
    host: PreparedRunHost,
    decoded: DecodedProgram,
    private readonly perms: number,
    private readonly maxBytes: number,
  ) {
    super(program, host, decoded);
    this.withCtx = { args: [BigInt(host.ctxRegion.base)], budget: host.budget };
    this.withoutCtx = { args: [0n], budget: host.budget };
  }

  run(input: Uint8Array, cpu = 0): number {
    if (input.length > this.maxBytes) {
      throw this.maxBytes === RAW_TP_MAX_ARGS * 8
        ? new TestRunError(EINVAL, `raw tracepoint args are at most ${RAW_TP_MAX_ARGS} u64 values`)
        : new TestRunError(E2BIG, `context of ${input.length} bytes is larger than 65535`);
    }
    this.host.regionOwner = this;
    if (input.length === 0) return this.execute(cpu, this.withoutCtx);
    this.host.setContext(input, this.perms);
    return this.execute(cpu, this.withCtx);
  }
}

/** Packet types whose context the runner builds from each packet (`__sk_buff`): the full test run path. */
class PreparedTestRun implements PreparedRun {
  r0 = 0n;
  insns = 0;
  private last: Uint8Array = new Uint8Array(0);
  constructor(
    readonly program: string,
    private readonly host: PreparedRunHost,
  ) {}

  run(input: Uint8Array, cpu = 0): number {
    const out = this.host.testRun(input, cpu);
    this.r0 = out.r0;
    this.insns = out.insns;
    this.last = out.dataOut;
    return out.retval;
  }

  dataOut(): Uint8Array {
    return this.last.slice();
  }
}

const EMPTY_XDP_MD = new Uint8Array(XDP_MD.size);

/** The prepared form of a program of type `type` (see `BpfVm.prepare`). */
export function prepareRun(program: string, type: BpfProgType, decoded: DecodedProgram, host: PreparedRunHost): PreparedRun {
  switch (type) {
    case BpfProgType.XDP:
      return new PreparedXdp(program, host, decoded);
    case BpfProgType.RAW_TRACEPOINT:
    case BpfProgType.RAW_TRACEPOINT_WRITABLE:
      return new PreparedContext(program, host, decoded, PERM_READ, RAW_TP_MAX_ARGS * 8);
    case BpfProgType.SYSCALL:
      return new PreparedContext(program, host, decoded, PERM_RW, 0xffff);
    case BpfProgType.TRACEPOINT:
    case BpfProgType.KPROBE:
    case BpfProgType.PERF_EVENT:
    case BpfProgType.TRACING:
      return new PreparedContext(program, host, decoded, PERM_READ, 0xffff);
    default:
      return new PreparedTestRun(program, host);
  }
}
