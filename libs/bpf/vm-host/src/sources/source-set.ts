import type { BpfProgramSpec } from '@bpfleet/elf';
import type { VmEvent, VmEventSource } from './source.js';

/**
 * The agent's configured sources, each started only while some VM program takes its events (a busy
 * interface is not copied into JS for nothing) and stopped when none does. A finite source (pcap,
 * recording) runs once.
 */
export class SourceSet {
  private readonly running = new Set<VmEventSource>();
  /** Finite sources that ran, and sources that failed to start: not started again. */
  private readonly ranOnce = new Set<VmEventSource>();
  private readonly prepared = new Set<VmEventSource>();

  constructor(
    readonly sources: readonly VmEventSource[],
    private readonly sink: (event: VmEvent) => void,
    private readonly onError: (source: VmEventSource, error: Error) => void,
    /** Sources that run whether or not a program needs them now (the app-event socket). */
    private readonly alwaysOn: ReadonlySet<VmEventSource> = new Set(),
  ) {}

  /** Start what the VM programs `specs` need, stop what they no longer do. */
  async sync(specs: readonly BpfProgramSpec[]): Promise<void> {
    for (const source of this.sources) {
      if (source.prepare && !this.prepared.has(source)) {
        this.prepared.add(source);
        try {
          await source.prepare();
        } catch (e) {
          this.ranOnce.add(source);
          this.onError(source, e as Error);
        }
      }
      const needed = this.alwaysOn.has(source) || specs.some((s) => source.feeds(s));
      if (needed && !this.running.has(source) && !this.ranOnce.has(source)) {
        this.running.add(source);
        try {
          await source.start(this.sink);
        } catch (e) {
          this.running.delete(source);
          this.ranOnce.add(source); // a source that cannot start is not retried on every change
          this.onError(source, e as Error);
        }
        if (source.finite) this.ranOnce.add(source);
      } else if (!needed && this.running.has(source)) {
        this.running.delete(source);
        await source.stop();
      }
    }
  }

  isRunning(source: VmEventSource): boolean {
    return this.running.has(source);
  }

  async stop(): Promise<void> {
    for (const source of [...this.running]) {
      this.running.delete(source);
      await source.stop();
    }
  }
}
