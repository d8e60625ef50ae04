import type { BpfObject } from '@bpfleet/elf';
import { BpfMapType } from '@bpfleet/elf';
import { RingBufferReader, attachProgram, loadObject, type KernelMap, type KernelObject, type Link } from '@bpfleet/kernel';
import { isStreamed, type RawMap } from './map-snapshot.js';
import { autoloadPrograms } from './runtime-choice.js';
import type { RawEvent, RunningProgram, RunStats } from './running-program.js';

/** Ring-buffer records held between snapshots; beyond this the oldest are dropped and counted. */
const MAX_PENDING_EVENTS = 100_000;

export interface KernelProgramOptions {
  /** libbpf object name (maps are named after it). */
  readonly name: string;
  readonly interface?: string;
  /** Maps of the previous version to keep using (same name, type and sizes): state carries over. */
  readonly reuseMaps?: ReadonlyMap<string, KernelMap>;
}

/** An object loaded into the kernel with libbpf, every autoload program attached by its section. */
export class KernelRunningProgram implements RunningProgram {
  readonly runtime = 'kernel' as const;
  readonly attachPoints: string[] = [];
  private readonly links: Link[] = [];
  private readonly readers: RingBufferReader[] = [];
  private pending: RawEvent[] = [];
  /** Records dropped because snapshots did not keep up. */
  droppedEvents = 0;

  private constructor(
    private readonly object: BpfObject,
    readonly kernel: KernelObject,
  ) {}

  static start(object: BpfObject, options: KernelProgramOptions): KernelRunningProgram {
    const reuse: Record<string, KernelMap> = {};
    for (const [name, map] of options.reuseMaps ?? []) reuse[name] = map;
    const kernel = loadObject(object.elf, { name: options.name, reuseMaps: reuse, programs: autoloadPrograms(object).map((p) => p.name) });
    const running = new KernelRunningProgram(object, kernel);
    try {
      for (const spec of autoloadPrograms(object)) {
        const link = attachProgram(kernel.program(spec.name), { interface: options.interface });
        running.links.push(link);
        running.attachPoints.push(link.description);
      }
      for (const spec of object.maps) {
        const map = kernel.maps.get(spec.name);
        if (spec.type !== BpfMapType.RINGBUF || !map) continue;
        running.readers.push(new RingBufferReader(map, { onRecord: (bytes) => running.record(spec.name, bytes) }));
      }
    } catch (e) {
      running.close();
      throw e;
    }
    return running;
  }

  /** Maps of this object another version may reuse, by name. */
  map(name: string): KernelMap | undefined {
    return this.kernel.maps.get(name);
  }

  readMaps(): RawMap[] {
    const out: RawMap[] = [];
    for (const spec of this.object.maps) {
      if (!isStreamed(spec)) continue;
      const map = this.kernel.maps.get(spec.name);
      if (!map) continue;
      out.push({ spec, perCpu: map.perCpu, cpus: map.cpus, entries: map.lookupBatch() });
    }
    return out;
  }

  private record(map: string, bytes: Uint8Array): void {
    if (this.pending.length >= MAX_PENDING_EVENTS) {
      this.pending.shift();
      this.droppedEvents++;
    }
    this.pending.push({ map, ts: BigInt(Date.now()) * 1_000_000n, bytes });
  }

  takeEvents(): RawEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  stats(): RunStats {
    let runCount = 0;
    let runTimeNs = 0;
    for (const program of this.kernel.programs.values()) {
      try {
        const info = program.info();
        runCount += Number(info.runCount);
        runTimeNs += Number(info.runTimeNs);
      } catch {
        // A program without an fd (not loaded) has no counters.
      }
    }
    return { runCount, runTimeNs };
  }

  close(): void {
    for (const reader of this.readers.splice(0)) reader.close();
    for (const link of this.links.splice(0)) {
      try {
        link.close();
      } catch {
        // Closing a link whose hook is already gone is not an error worth surfacing.
      }
    }
    if (!this.kernel.closed) this.kernel.close();
  }
}
