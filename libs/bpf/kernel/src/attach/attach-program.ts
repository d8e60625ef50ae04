import { BpfProgType } from '@bpfleet/elf';
import { KernelError } from '../errors.js';
import type { Link } from '../link.js';
import type { KernelProgram } from '../program.js';
import { attachPerfEvent } from './perf-event.js';
import { attachSocketFilter } from './socket.js';
import { attachTc, type TcDirection } from './tc.js';
import { attachBySection } from './tracepoint.js';
import { attachXdp, attachXdpLink, type XdpMode } from './xdp.js';
import { attachTcx } from './tcx.js';
import type { Interface } from './netdev.js';

/** Targets for program types whose section does not say where to attach. */
export interface AttachTargets {
  /** xdp and tc programs. */
  readonly interface?: Interface;
  /**
   * Unset: a pinnable bpf_link (the kernel picks native or generic mode), falling back to netlink
   * `auto` on kernels without XDP links. Set: netlink in that mode (not pinnable).
   */
  readonly xdpMode?: XdpMode;
  /** tc: `link` (default) uses tcx where the kernel has it (6.6+), else a clsact filter; `netlink` always the filter. */
  readonly tcMode?: 'link' | 'netlink';
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
    case BpfProgType.XDP: {
      const iface = targets.interface ?? need('an interface');
      if (targets.xdpMode) return attachXdp(program, iface, targets.xdpMode);
      return linkOrFallback(() => attachXdpLink(program, iface), () => attachXdp(program, iface, 'auto'));
    }
    case BpfProgType.SCHED_CLS:
    case BpfProgType.SCHED_ACT: {
      const iface = targets.interface ?? need('an interface');
      const direction = targets.tcDirection ?? (/egress/.test(program.section) ? 'egress' : 'ingress');
      if (targets.tcMode === 'netlink' || program.type === BpfProgType.SCHED_ACT) return attachTc(program, iface, direction);
      return linkOrFallback(() => attachTcx(program, iface, direction), () => attachTc(program, iface, direction));
    }
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

const EINVAL = 22;
const EOPNOTSUPP = 95;
const ENOTSUPP = 524;

/**
 * Link-based attach first (pinnable, re-adopted after a restart); kernels that do not know the link
 * type answer EINVAL/EOPNOTSUPP, and then the netlink attachment is used (not pinnable: it stays
 * until detached, and a restarted process cannot take it over).
 */
function linkOrFallback(link: () => Link, netlink: () => Link): Link {
  try {
    return link();
  } catch (e) {
    if (e instanceof KernelError && (e.errno === EINVAL || e.errno === EOPNOTSUPP || e.errno === ENOTSUPP)) return netlink();
    throw e;
  }
}
