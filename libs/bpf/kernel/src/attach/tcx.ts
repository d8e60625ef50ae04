import { libbpf } from '../native/libbpf.js';
import { KernelAttachError } from '../errors.js';
import type { KernelProgram } from '../program.js';
import { FdLink } from './fd-link.js';
import { ifindexOf, type Interface } from './netdev.js';
import type { TcDirection } from './tc.js';

const BPF_TCX_INGRESS = 46;
const BPF_TCX_EGRESS = 47;

/**
 * Attaches a sched_cls program through tcx (kernel 6.6+): a BPF link on the interface's ingress or
 * egress hook, no clsact qdisc, pinnable so the attachment survives the process and is re-adopted.
 * Older kernels refuse the attach type with EINVAL; callers fall back to attachTc (netlink).
 */
export function attachTcx(program: KernelProgram, iface: Interface, direction: TcDirection): FdLink {
  const ifindex = ifindexOf(iface);
  const type = direction === 'ingress' ? BPF_TCX_INGRESS : BPF_TCX_EGRESS;
  // libbpf 1.1 has no tcx options; zeroed options (NULL) append the program after any existing ones.
  const fd = libbpf().bpf_link_create(program.fd, ifindex, type, null) as number;
  if (fd < 0) throw new KernelAttachError(program.name, 'tcx', `${direction} ifindex ${ifindex}`, 'bpf_link_create', -fd, '');
  return new FdLink(fd, `tcx ${direction} ifindex ${ifindex} (${program.name})`);
}
