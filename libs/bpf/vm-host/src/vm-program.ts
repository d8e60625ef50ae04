import { BpfProgType, type BpfObject, type BpfProgramSpec } from '@bpfleet/elf';
import { BpfVm, JitEngine, RingBufMap, type PreparedRun, type VmMap } from '@bpfleet/vm';
import { autoloadPrograms, isPerCpuType, isStreamed, type RawEvent, type RawMap, type RunStats } from './contents.js';
import { VmHostError } from './errors.js';
import { SampledRunTimer } from './run-timer.js';

export interface VmProgramOptions {
  readonly cpus: number;
  /** Instructions per run; a run over it stops the program. */
  readonly budget: number;
  /** Maps of the previous version whose contents to copy in (same name, type and sizes). */
  readonly carryOver?: ReadonlyMap<string, VmMap>;
  /** Called once when a program faults or exceeds its budget and is stopped. */
  readonly onStopped?: (error: VmHostError) => void;
  /**
   * Time one run in this many on average (chosen at random, scaled up; the first run always) for
   * `runTimeNs`: two clock reads per run cost about as much as a small program. Default
   * RUN_TIME_SAMPLE_EVERY; 1 times every run.
   */
  readonly timeEvery?: number;
}

/** Default sampling rate of run times: the estimate of runTimeNs stays unbiased, the clock reads drop 16-fold. */
export const RUN_TIME_SAMPLE_EVERY = 16;

/** Program types fed with a packet (payload = frame bytes); the rest get the payload as their context. */
const PACKET_TYPES = new Set<BpfProgType>([BpfProgType.XDP, BpfProgType.SCHED_CLS, BpfProgType.SCHED_ACT, BpfProgType.SOCKET_FILTER, BpfProgType.CGROUP_SKB]);

export function takesPacket(spec: BpfProgramSpec): boolean {
  return PACKET_TYPES.has(spec.type);
}

/** An object running in the userspace VM: programs run when an event source delivers to them. */
export class VmRunningProgram {
  readonly runtime = 'vm' as const;
  readonly attachPoints: string[];
  private runCount = 0;
  private readonly runTime: SampledRunTimer;
  private stoppedError: VmHostError | undefined;
  private closed = false;
  private readonly matches = new Map<string, BpfProgramSpec[]>();
  /** Per program: its prepared run (context, packet and engine options built once, reused per event). */
  private readonly prepared = new Map<string, PreparedRun>();

  private constructor(
    readonly vm: BpfVm,
    private readonly programs: readonly BpfProgramSpec[],
    private readonly options: VmProgramOptions,
  ) {
    this.attachPoints = programs.map((p) => `vm:${p.section}`);
    this.runTime = new SampledRunTimer(options.timeEvery ?? RUN_TIME_SAMPLE_EVERY);
  }

  static start(object: BpfObject, options: VmProgramOptions): VmRunningProgram {
    const vm: BpfVm = new BpfVm(object, {
      cpus: options.cpus,
      budget: options.budget,
      // A program the JIT cannot compile runs in the interpreter: same results, only slower.
      engine: (mem, helpers) => new JitEngine(mem, helpers, { maps: (): readonly VmMap[] => vm.maps, onFallback: () => undefined }),
    });
    const programs = autoloadPrograms(object);
    // Decode and link now so a missing helper or bad map reference fails the load, not the first event.
    for (const p of programs) vm.program(p.name);
    for (const [name, old] of options.carryOver ?? []) {
      const map = vm.maps.find((m) => m.name === name);
      if (!map || map.type !== old.type || map.spec.keySize !== old.spec.keySize || map.spec.valueSize !== old.spec.valueSize) continue;
      for (const [k, v] of old.entries()) map.update(k, v);
    }
    return new VmRunningProgram(vm, programs, options);
  }

  get stopped(): VmHostError | undefined {
    return this.stoppedError;
  }

  /** Programs an event named `probe` reaches: by program name, attach target or section. */
  matching(probe: string): readonly BpfProgramSpec[] {
    let found = this.matches.get(probe);
    if (!found) {
      found = this.findMatching(probe);
      // Probe names come from applications: cap the cache so arbitrary names cannot grow it.
      if (this.matches.size < 1024) this.matches.set(probe, found);
    }
    return found;
  }

  private findMatching(probe: string): BpfProgramSpec[] {
    return this.programs.filter((p) => p.name === probe || p.attachTarget === probe || p.section === probe || p.section.endsWith(`/${probe}`));
  }

  /** Runs every matching program on one event; returns how many ran. */
  deliver(probe: string, payload: Uint8Array, cpu = 0): number {
    if (this.closed || this.stoppedError) return 0;
    let ran = 0;
    for (const spec of this.matching(probe)) {
      // Sampled: a clock read costs about as much as a small program's run.
      const started = this.runTime.start();
      try {
        let runner = this.prepared.get(spec.name);
        if (!runner) {
          runner = this.vm.prepare(spec.name);
          this.prepared.set(spec.name, runner);
        }
        // Packet types take the payload as the packet, the others as their context (see takesPacket).
        runner.run(payload, cpu);
      } catch (e) {
        const err = e as Error & { code?: string };
        this.stoppedError = new VmHostError(err.code === 'EBUDGET' ? 'VM_BUDGET_EXCEEDED' : 'VM_FAULT', `${spec.name}: ${err.message}`, { program: spec.name });
        this.options.onStopped?.(this.stoppedError);
        return ran;
      } finally {
        this.runTime.stop(started);
      }
      this.runCount++;
      ran++;
    }
    return ran;
  }

  readMaps(): RawMap[] {
    const out: RawMap[] = [];
    for (const map of this.vm.maps) {
      if (!isStreamed(map.spec)) continue;
      const entries = [...map.entries()].map(([key, value]) => ({ key, value }));
      out.push({ spec: map.spec, perCpu: isPerCpuType(map.type), cpus: this.vm.cpus, entries });
    }
    return out;
  }

  stats(): RunStats {
    return { runCount: this.runCount, runTimeNs: Math.round(this.runTime.totalNs) };
  }

  /** Drain the VM's ring buffers (records committed by programs since the previous call). */
  takeEvents(): RawEvent[] {
    const out: RawEvent[] = [];
    const ts = BigInt(Date.now()) * 1_000_000n;
    for (const map of this.vm.maps) {
      if (map instanceof RingBufMap) map.consume((data) => out.push({ map: map.name, ts, bytes: Uint8Array.from(data) }));
    }
    return out;
  }

  release(): void {
    this.close();
  }

  close(): void {
    this.closed = true;
  }
}
