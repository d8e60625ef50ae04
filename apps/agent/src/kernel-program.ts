import type { BpfObject } from '@bpfleet/elf';
import { BpfMapType } from '@bpfleet/elf';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KernelMap, LibbpfLink, PerCpuLink, RingBufferReader, attachProgram, ensurePinDir, linkInfoOf, loadObject, programRunStats, removePinDir, type KernelObject, type Link } from '@bpfleet/kernel';
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
  /** bpffs directory to pin links and maps in, so a restarted agent re-adopts instead of loading twice. */
  readonly pinDir?: string;
}

/** bpffs refuses names with a dot (`.bss`), so global-data maps pin as `map-exits_bss`. */
function mapPinName(map: string): string {
  return `map-${map.replace(/[^A-Za-z0-9_-]/g, '_')}`;
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

  private readonly maps = new Map<string, KernelMap>();
  private pinDir: string | undefined;
  /** Kernel ids of the attached programs: run statistics are read by id (re-adopted ones hold no program fd). */
  readonly programIds: number[] = [];

  private constructor(
    private readonly object: BpfObject,
    readonly kernel: KernelObject | undefined,
  ) {
    if (kernel) for (const [name, map] of kernel.maps) this.maps.set(name, map);
  }

  /**
   * Re-adopt what a previous agent process pinned: its links (still attached) and maps (still counting).
   * Throws when a pin is missing, so the caller loads afresh instead.
   */
  static adopt(object: BpfObject, pinDir: string): KernelRunningProgram {
    if (!existsSync(pinDir)) throw new Error(`no pins at ${pinDir}`);
    const running = new KernelRunningProgram(object, undefined);
    running.pinDir = pinDir;
    try {
      for (const name of readdirSync(pinDir).filter((n) => n.startsWith('link-')).sort()) {
        const link = LibbpfLink.openPinned(join(pinDir, name));
        running.links.push(link);
        running.attachPoints.push(`${link.description} (re-adopted)`);
        const id = linkInfoOf(link.fd).programId;
        if (!running.programIds.includes(id)) running.programIds.push(id);
      }
      if (running.links.length === 0) throw new Error(`no pinned links in ${pinDir}`);
      // Every program must still be attached through a pinned link; one attached through netlink (xdp/tc
      // on kernels without XDP links or tcx) was detached with its owner, so load everything afresh.
      const attached = new Set(running.programIds.map((id) => programRunStats(id).name));
      const missing = autoloadPrograms(object).filter((p) => !attached.has(p.name.slice(0, 15)));
      if (missing.length) throw new Error(`${missing.map((p) => p.name).join(', ')}: no pinned link in ${pinDir}`);
      for (const spec of object.maps) {
        const path = join(pinDir, mapPinName(spec.name));
        if (existsSync(path)) running.maps.set(spec.name, KernelMap.openPinned(path));
      }
      running.startReaders();
    } catch (e) {
      running.release();
      throw e;
    }
    return running;
  }

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
        running.programIds.push(kernel.program(spec.name).info().id);
      }
      if (options.pinDir) running.pin(options.pinDir);
      running.startReaders();
    } catch (e) {
      running.close();
      throw e;
    }
    return running;
  }

  private pin(dir: string): void {
    ensurePinDir(dir);
    this.pinDir = dir;
    this.links.forEach((link, i) => {
      const name = `link-${String(i).padStart(3, '0')}`;
      if (link.pinnable) link.pin(join(dir, name));
      // perf_event: one link per CPU, each pinned (`link-NNN-cpuK`) and re-adopted like the others.
      else if (link instanceof PerCpuLink) link.links.forEach((l, cpu) => l.pin(join(dir, `${name}-cpu${cpu}`)));
    });
    // Only what the agent reads after a restart: data maps and ring buffers (frozen .rodata refuses pins).
    for (const spec of this.object.maps) {
      const map = this.maps.get(spec.name);
      if (map && (isStreamed(spec) || spec.type === BpfMapType.RINGBUF)) map.pin(join(dir, mapPinName(spec.name)));
    }
  }

  private startReaders(): void {
    for (const spec of this.object.maps) {
      const map = this.maps.get(spec.name);
      if (spec.type !== BpfMapType.RINGBUF || !map) continue;
      this.readers.push(new RingBufferReader(map, { onRecord: (bytes) => this.record(spec.name, bytes) }));
    }
  }

  /** Maps of this object another version may reuse, by name. */
  map(name: string): KernelMap | undefined {
    return this.maps.get(name);
  }

  readMaps(): RawMap[] {
    const out: RawMap[] = [];
    for (const spec of this.object.maps) {
      if (!isStreamed(spec)) continue;
      const map = this.maps.get(spec.name);
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

  /** The kernel's run count and run time (`bpf_stats`; zero while the kernel does not count). */
  stats(): RunStats {
    let runCount = 0;
    let runTimeNs = 0;
    for (const id of this.programIds) {
      try {
        const s = programRunStats(id);
        runCount += Number(s.runCount);
        runTimeNs += Number(s.runTimeNs);
      } catch {
        // A program detached and freed behind our back has no counters left to report.
      }
    }
    return { runCount, runTimeNs };
  }

  /** Detach: remove the pins, then release the handles (unpinned links detach when closed). */
  close(): void {
    if (this.pinDir) removePinDir(this.pinDir);
    for (const link of this.links) {
      try {
        link.detach();
      } catch {
        // A hook that is already gone needs no detaching.
      }
    }
    this.release();
  }

  /** Release our handles but leave pinned links attached and pinned maps counting (agent restart). */
  release(): void {
    for (const reader of this.readers.splice(0)) reader.close();
    for (const link of this.links.splice(0)) {
      try {
        link.close();
      } catch {
        // Closing a link whose hook is already gone is not an error worth surfacing.
      }
    }
    if (this.kernel) {
      if (!this.kernel.closed) this.kernel.close();
    } else {
      for (const map of this.maps.values()) map.close();
    }
  }
}
