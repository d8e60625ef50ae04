import type { BpfProgramSpec } from '@bpfleet/elf';
import { FileWindow } from './byte-window.js';
import { Pacer, type ReplaySpeed } from './pacer.js';
import { deferred, SkipCounter, type SourceStats, type VmEvent, type VmEventSource } from './source.js';

/**
 * What pcap files and recordings share: the file is read window by window (any size replays in bounded
 * memory), its items are paced by their timestamps, a bad header fails start() and a malformed item
 * later ends the replay with `error` set (items before it were delivered).
 */
export abstract class FileReplaySource<Item> implements VmEventSource {
  readonly finite = true;
  /** The error that ended the replay early, if any. */
  error: Error | undefined;
  protected readonly skipped = new SkipCounter();
  protected events = 0;
  private readonly finished = deferred();
  private pacer: Pacer | undefined;

  protected constructor(
    readonly file: string,
    readonly description: string,
    private readonly speed: ReplaySpeed,
  ) {}

  get done(): Promise<void> {
    return this.finished.promise;
  }

  abstract feeds(spec: BpfProgramSpec): boolean;

  /** Parses the file's header from the window (throwing on a bad one) and returns its items. */
  protected abstract open(window: FileWindow): Iterator<Item>;
  protected abstract timestampNs(item: Item): bigint;
  /** Turns one item into events (or counts it as skipped). */
  protected abstract deliver(item: Item, sink: (event: VmEvent) => void): void;

  async start(sink: (event: VmEvent) => void): Promise<void> {
    const w = new FileWindow(this.file);
    let items: Iterator<Item>;
    try {
      items = this.open(w);
    } catch (e) {
      w.close();
      throw e;
    }
    this.pacer = new Pacer(this.speed);
    void this.pacer
      .run({ [Symbol.iterator]: () => items }, (item) => this.timestampNs(item), (item) => this.deliver(item, sink))
      .catch((e: unknown) => {
        this.error = e as Error;
        this.skipped.add((e as Error).message);
      })
      .finally(() => {
        w.close();
        this.finished.resolve();
      });
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.pacer?.stop();
    this.finished.resolve();
    await Promise.resolve();
  }

  stats(): SourceStats {
    return { events: this.events, skipped: { ...this.skipped.counts } };
  }
}
