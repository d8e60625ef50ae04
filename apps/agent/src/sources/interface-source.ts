import type { BpfProgramSpec } from '@bpfleet/elf';
import { PacketSocket } from '@bpfleet/kernel';
import { fitFrame } from './frame-limits.js';
import { packetDirections } from './route.js';
import { deferred, SkipCounter, type SourceStats, type VmEvent, type VmEventSource } from './source.js';

export interface InterfaceSourceOptions {
  /** How often to poll the socket when it was empty (default 5 ms). */
  readonly pollMs?: number;
  /** Frames read per event-loop turn at most (default 1024), so a flood cannot starve timers. */
  readonly maxPerTurn?: number;
}

/**
 * Frames of a live interface through an AF_PACKET socket (CAP_NET_RAW), both directions: xdp and
 * ingress tc programs get what arrives, egress tc programs what leaves, socket filters both. The
 * socket is read without blocking: while frames are queued the next batch is read on the next turn of
 * the event loop, otherwise after pollMs.
 */
export class InterfacePacketSource implements VmEventSource {
  readonly description: string;
  private socket: PacketSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly finished = deferred();
  private readonly skipped = new SkipCounter();
  private events = 0;
  private stopped = false;

  constructor(
    readonly iface: string,
    private readonly options: InterfaceSourceOptions = {},
  ) {
    this.description = `interface ${iface}`;
  }

  get done(): Promise<void> {
    return this.finished.promise;
  }

  feeds(spec: BpfProgramSpec): boolean {
    return packetDirections(spec).length > 0;
  }

  async start(sink: (event: VmEvent) => void): Promise<void> {
    this.socket = new PacketSocket(this.iface);
    this.stopped = false;
    const pollMs = this.options.pollMs ?? 5;
    const maxPerTurn = this.options.maxPerTurn ?? 1024;
    const poll = () => {
      this.timer = undefined;
      if (this.stopped || !this.socket) return;
      const frames = this.socket.receive(maxPerTurn);
      if (frames.length === 0) this.countDrops();
      for (const f of frames) {
        const frame = fitFrame(f.bytes, this.skipped);
        if (!frame) continue;
        this.events++;
        sink({ kind: 'packet', frame, direction: f.direction });
      }
      // More may be queued: come back after other work had its turn.
      this.timer = frames.length === maxPerTurn ? setTimeout(poll, 0) : setTimeout(poll, pollMs);
    };
    poll();
    await Promise.resolve();
  }

  /** Frames the kernel dropped because the socket buffer was full (the reader fell behind). */
  private countDrops(): void {
    try {
      const { drops } = this.socket!.statistics();
      if (drops > 0) this.skipped.add('dropped by the kernel (socket buffer full)', drops);
    } catch {
      // Statistics are best effort; frames themselves still flow.
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.socket) this.countDrops();
    this.socket?.close();
    this.socket = undefined;
    this.finished.resolve();
    await Promise.resolve();
  }

  stats(): SourceStats {
    return { events: this.events, skipped: { ...this.skipped.counts } };
  }
}
