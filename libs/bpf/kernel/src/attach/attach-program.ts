import { BpfProgType } from '@bpfleet/elf';
import { KernelError } from '../errors.js';
import type { Link } from '../link.js';
import type { KernelProgram } from '../program.js';
import { attachPerfEvent } from './perf-event.js';
import { attachSocketFilter } from './socket.js';
import { attachTc, type TcDirection } from './tc.js';
import { attachBySection } from './tracepoint.js';
import { attachXdp, type XdpMode } from './xdp.js';
import type { Interface } from './netdev.js';

/** Targets for program types whose section does not say where to attach. */
export interface AttachTargets {
  /** xdp and tc programs. */
  readonly interface?: Interface;
  readonly xdpMode?: XdpMode;
  /** tc: default from the section (`.../egress`), else ingress. */
  readonly tcDirection?: TcDirection;
  /** perf_event programs: samples per second per CPU (default 99). */
  readonly perfFrequency?: number;
  /** socket filters: the socket to filter. */
  readonly socketFd?: number;
}

/**
 * Attaches a program the way its section says: libbpf's auto-attach for tracepoint, raw_tp, tp_btf,
 * kprobe, uprobe (with a path in the section), fentry and lsm; the explicit attachers for xdp, tc,
 * perf_event and socket filters, which need a target from `targets`.
 */
export function attachProgram(program: KernelProgram, targets: AttachTargets = {}): Link {
  const need = (what: string): never => {
    throw new KernelError(`program ${program.name} (${program.section}) needs ${what} to attach`, 'attach', 22);
  };
  switch (program.type) {
    case BpfProgType.XDP:
      return attachXdp(program, targets.interface ?? need('an interface'), targets.xdpMode ?? 'auto');
    case BpfProgType.SCHED_CLS:
    case BpfProgType.SCHED_ACT:
      return attachTc(program, targets.interface ?? need('an interface'), targets.tcDirection ?? (/egress/.test(program.section) ? 'egress' : 'ingress'));
    case BpfProgType.PERF_EVENT:
      return attachPerfEvent(program, { frequency: targets.perfFrequency ?? 99 });
    case BpfProgType.SOCKET_FILTER:
      return attachSocketFilter(program, targets.socketFd ?? need('a socket fd'));
    default:
      if (/^u(ret)?probe\/?$/.test(program.section)) need('a binary and symbol (attachUprobe)');
      if (/^k(ret)?probe\/?$/.test(program.section)) need('a kernel function (attachKprobe)');
      return attachBySection(program);
  }
}
