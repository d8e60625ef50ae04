import type { BpfProgramSpec } from '@bpfleet/elf';
import { fitFrame } from './frame-limits.js';
import { FileWindow } from './byte-window.js';
import { LINKTYPE_ETHERNET, readPcapWindow, type PcapPacket } from './pcap.js';
import { packetDirections } from './route.js';
import { deferred, SkipCounter, type SourceStats, type VmEvent, type VmEventSource } from './source.js';
import { Pacer, type ReplaySpeed } from './pacer.js';

export interface PcapSourceOptions {
  /** `max` (default): as fast as programs run; a number: that many times the captured speed. */
  readonly speed?: ReplaySpeed;
}

/**
 * Frames of a pcap or pcapng file as ingress packets (a capture does not say which way a frame went):
 * xdp, ingress tc, socket filter and ingress cgroup skb programs run on each. Only Ethernet link types
 * are delivered; other frames are skipped and counted. A malformed file stops the source with the
 * PcapError (frames before the bad part were delivered).
 */
export class PcapPacketSource implements VmEventSource {
  readonly description: string;
  private readonly finished = deferred();
  private readonly skipped = new SkipCounter();
  private events = 0;
  private pacer: Pacer | undefined;
  readonly finite = true;
  /** The error that ended the replay early, if any. */
  error: Error | undefined;

  constructor(
    readonly file: string,
    private readonly options: PcapSourceOptions = {},
  ) {
    this.description = `pcap ${file}`;
  }

  get done(): Promise<void> {
    return this.finished.promise;
  }

  feeds(spec: BpfProgramSpec): boolean {
    return packetDirections(spec).includes('ingress');
  }

  /** Reads the file (errors: unreadable file, bad magic) and starts the replay. */
  async start(sink: (event: VmEvent) => void): Promise<void> {
    // Read window by window: a capture of any size replays in bounded memory.
    const w = new FileWindow(this.file);
    const packets = readPcapWindow(w);
    // Surface a bad header now, not from the replay.
    let first: IteratorResult<PcapPacket>;
    try {
      first = packets.next();
    } catch (e) {
      w.close();
      throw e;
    }
    const all = (function* (): Generator<PcapPacket> {
      if (!first.done) yield first.value;
      yield* packets;
    })();
    this.pacer = new Pacer(this.options.speed ?? 'max');
    void this.pacer
      .run(all, (p) => p.timestampNs, (p) => {
        if (p.linkType !== LINKTYPE_ETHERNET) {
          this.skipped.add(`link type ${p.linkType} (not Ethernet)`);
          return;
        }
        const frame = fitFrame(p.data, this.skipped);
        if (!frame) return;
        this.events++;
        sink({ kind: 'packet', frame, direction: 'ingress' });
      })
      .catch((e: unknown) => {
        this.error = e as Error;
      })
      .finally(() => {
        w.close();
        this.finished.resolve();
      });
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
