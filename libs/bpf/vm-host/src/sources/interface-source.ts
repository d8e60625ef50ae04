import type { BpfProgramSpec } from '@bpfleet/elf';
import { PacketSocket } from '@bpfleet/kernel';
import { fitFrame } from './frame-limits.js';
import { packetDirections } from './route.js';
import { deferred, SkipCounter, type SourceStats, type VmEvent, type VmEventSource } from './source.js';

export interface InterfaceSourceOptions {
  /** Frames read per event-loop turn at most (default 1024), so a flood cannot starve timers. */
  readonly maxPerTurn?: number;
}

/**
 * Frames of a live interface through an AF_PACKET socket (CAP_NET_RAW), both directions: xdp and
 * ingress tc programs get what arrives, egress tc programs what leaves, socket filters both. Nothing
 * blocks and nothing polls: libuv reports the socket readable, and each turn of the event loop reads
 * at most maxPerTurn frames (what is left wakes the next turn).
 */
export class InterfacePacketSource implements VmEventSource {
  readonly description: string;
  private socket: PacketSocket | undefined;
  private dropTimer: NodeJS.Timeout | undefined;
  private readonly finished = deferred();
  private readonly skipped = new SkipCounter();
  private events = 0;

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
    const socket = new PacketSocket(this.iface);
    this.socket = socket;
    const maxPerTurn = this.options.maxPerTurn ?? 1024;
    socket.watch(() => {
      for (const f of socket.receive(maxPerTurn)) {
        const frame = fitFrame(f.bytes, this.skipped);
        if (!frame) continue;
        this.events++;
        sink({ kind: 'packet', frame, direction: f.direction });
      }
    });
    this.dropTimer = setInterval(() => this.countDrops(), 1000);
    this.dropTimer.unref();
    await Promise.resolve();
  }

  /** Frames the kernel dropped because the socket buffer was full (the reader fell behind). */
  private countDrops(): void {
    try {
      const drops = this.socket?.statistics().drops ?? 0;
      if (drops > 0) this.skipped.add('dropped by the kernel (socket buffer full)', drops);
    } catch {
      // Statistics are best effort; frames themselves still flow.
    }
  }

  async stop(): Promise<void> {
    if (this.dropTimer) clearInterval(this.dropTimer);
    this.dropTimer = undefined;
    this.countDrops();
    this.socket?.close();
    this.socket = undefined;
    this.finished.resolve();
    await Promise.resolve();
  }

  stats(): SourceStats {
    return { events: this.events, skipped: { ...this.skipped.counts } };
  }
}
