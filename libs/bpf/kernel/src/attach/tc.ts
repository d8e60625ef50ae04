import { libbpf } from '../native/libbpf.js';
import { sizeOf } from '../native/structs.js';
import { withLibbpfLog } from '../native/log.js';
import { KernelAttachError, KernelError } from '../errors.js';
import type { KernelProgram } from '../program.js';
import type { Link } from '../link.js';
import { ifindexOf, type Interface } from './netdev.js';

const BPF_TC_INGRESS = 1;
const BPF_TC_EGRESS = 2;
const EEXIST = 17;
const EOPNOTSUPP = 95;

export type TcDirection = 'ingress' | 'egress';

export interface TcOptions {
  /** Filter priority (lower runs first; default 1). Programs chain by returning TC_ACT_UNSPEC. */
  readonly priority?: number;
  /** Filter handle (default 1). */
  readonly handle?: number;
}

// clsact qdiscs we created, per ifindex, with how many of our filters use them: the last one out
// removes the qdisc, and a qdisc someone else made is never removed.
const qdiscs = new Map<number, { created: boolean; users: number }>();

function hook(ifindex: number, attachPoint: number) {
  return { sz: sizeOf('bpf_tc_hook'), ifindex, attach_point: attachPoint, parent: 0 };
}

/** A tc (clsact) filter running a BPF program in direct-action mode. */
export class TcLink implements Link {
  readonly pinnable = false;
  private attached = true;
  constructor(
    readonly program: KernelProgram,
    readonly ifindex: number,
    readonly direction: TcDirection,
    readonly handle: number,
    readonly priority: number,
  ) {}

  get description(): string {
    return `tc ${this.direction} ifindex ${this.ifindex} prio ${this.priority} (${this.program.name})`;
  }

  pin(): void {
    throw new KernelError(`${this.description}: netlink tc filters cannot be pinned; they stay until detached`, 'bpf_link__pin', EOPNOTSUPP);
  }

  unpin(): void {}

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    const lib = libbpf();
    const h = hook(this.ifindex, this.direction === 'ingress' ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    const opts = { sz: sizeOf('bpf_tc_opts'), prog_fd: 0, flags: 0, prog_id: 0, handle: this.handle, priority: this.priority };
    const ret = withLibbpfLog(() => lib.bpf_tc_detach(h, opts) as number);
    const q = qdiscs.get(this.ifindex);
    if (q && --q.users === 0) {
      qdiscs.delete(this.ifindex);
      // ENOENT/ENODEV: the interface (or qdisc) is already gone with its namespace.
      if (q.created) withLibbpfLog(() => lib.bpf_tc_hook_destroy(hook(this.ifindex, BPF_TC_INGRESS | BPF_TC_EGRESS)));
    }
    if (ret < 0 && -ret !== 2 && -ret !== 19) throw KernelError.fromErrno('bpf_tc_detach', ret, this.description);
  }

  close(): void {
    this.detach();
  }
}

/** Attaches a sched_cls program on the clsact qdisc of an interface (created when missing). */
export function attachTc(program: KernelProgram, iface: Interface, direction: TcDirection, options: TcOptions = {}): TcLink {
  const lib = libbpf();
  const ifindex = ifindexOf(iface);
  const point = direction === 'ingress' ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  const target = `${direction} ifindex ${ifindex}`;
  const h = hook(ifindex, point);
  const created = withLibbpfLog((log) => ({ ret: lib.bpf_tc_hook_create(h) as number, log: log() }));
  if (created.ret < 0 && -created.ret !== EEXIST) throw new KernelAttachError(program.name, 'tc', target, 'bpf_tc_hook_create', -created.ret, created.log);
  const q = qdiscs.get(ifindex) ?? { created: created.ret === 0, users: 0 };
  qdiscs.set(ifindex, q);
  const opts = { sz: sizeOf('bpf_tc_opts'), prog_fd: program.fd, flags: 0, prog_id: 0, handle: options.handle ?? 1, priority: options.priority ?? 1 };
  const r = withLibbpfLog((log) => ({ ret: lib.bpf_tc_attach(h, opts) as number, log: log() }));
  if (r.ret < 0) {
    if (q.users === 0) {
      qdiscs.delete(ifindex);
      if (q.created) lib.bpf_tc_hook_destroy(hook(ifindex, BPF_TC_INGRESS | BPF_TC_EGRESS));
    }
    throw new KernelAttachError(program.name, 'tc', target, 'bpf_tc_attach', -r.ret, r.log);
  }
  q.users++;
  return new TcLink(program, ifindex, direction, opts.handle, opts.priority);
}
