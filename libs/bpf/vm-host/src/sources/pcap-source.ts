import type { BpfProgramSpec } from '@bpfleet/elf';
import { fitFrame } from './frame-limits.js';
import type { FileWindow } from './byte-window.js';
import { FileReplaySource } from './file-replay.js';
import type { ReplaySpeed } from './pacer.js';
import { LINKTYPE_ETHERNET, readPcapWindow, type PcapPacket } from './pcap.js';
import { packetDirections } from './route.js';
import type { VmEvent } from './source.js';

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
export class PcapPacketSource extends FileReplaySource<PcapPacket> {
  constructor(file: string, options: PcapSourceOptions = {}) {
    super(file, `pcap ${file}`, options.speed ?? 'max');
  }

  feeds(spec: BpfProgramSpec): boolean {
    return packetDirections(spec).includes('ingress');
  }

  protected open(window: FileWindow): Iterator<PcapPacket> {
    const packets = readPcapWindow(window);
    // Surface a bad header now (from start), not from the replay.
    const first = packets.next();
    return (function* (): Generator<PcapPacket> {
      if (!first.done) yield first.value;
      yield* packets;
    })();
  }

  protected timestampNs(p: PcapPacket): bigint {
    return p.timestampNs;
  }

  protected deliver(p: PcapPacket, sink: (event: VmEvent) => void): void {
    if (p.linkType !== LINKTYPE_ETHERNET) {
      this.skipped.add(`link type ${p.linkType} (not Ethernet)`);
      return;
    }
    const frame = fitFrame(p.data, this.skipped);
    if (!frame) return;
    this.events++;
    sink({ kind: 'packet', frame, direction: 'ingress' });
  }
}
