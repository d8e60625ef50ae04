import type { BpfObject } from '@bpfleet/elf';
import { attachProgram, loadObject, type KernelMap, type KernelObject, type Link } from '@bpfleet/kernel';
import { isStreamed, type RawMap } from './map-snapshot.js';
import { autoloadPrograms } from './runtime-choice.js';
import type { RunningProgram, RunStats } from './running-program.js';

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
