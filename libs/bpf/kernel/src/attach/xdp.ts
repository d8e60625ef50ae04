import { libbpf } from '../native/libbpf.js';
import { sizeOf } from '../native/structs.js';
import { withLibbpfLog } from '../native/log.js';
import { KernelAttachError, KernelError } from '../errors.js';
import type { KernelProgram } from '../program.js';
import type { Link } from '../link.js';
import { ifindexOf, type Interface } from './netdev.js';
import type { NativePointer } from '../native/koffi.js';
import { attachWith, type LibbpfLink } from './libbpf-link.js';

const XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
const XDP_FLAGS_SKB_MODE = 2;
const XDP_FLAGS_DRV_MODE = 4;
const EOPNOTSUPP = 95;
const EINVAL = 22;

/** `native`: driver mode only; `generic`: skb mode; `auto`: native, falling back to generic. */
export type XdpMode = 'native' | 'generic' | 'auto';

/** An XDP program attached through netlink (bpf_xdp_attach); detaching removes only our program. */
export class XdpLink implements Link {
  readonly pinnable = false;
  private attached = true;
  constructor(
    readonly program: KernelProgram,
    readonly ifindex: number,
    readonly mode: 'native' | 'generic',
    private readonly flags: number,
  ) {}

  get description(): string {
    return `xdp ifindex ${this.ifindex} ${this.mode} (${this.program.name})`;
  }

  pin(): void {
    throw new KernelError(`${this.description}: netlink XDP attachments cannot be pinned; they stay until detached`, 'bpf_link__pin', EOPNOTSUPP);
  }

  unpin(): void {}

  detach(): void {
    if (!this.attached) return;
    const opts = { sz: sizeOf('bpf_xdp_attach_opts'), old_prog_fd: this.program.fd };
    const ret = withLibbpfLog(() => libbpf().bpf_xdp_detach(this.ifindex, this.flags, opts) as number);
    this.attached = false;
    if (ret < 0) throw KernelError.fromErrno('bpf_xdp_detach', ret, this.description);
  }

  close(): void {
    this.detach();
  }
}

/**
 * Attaches an XDP program to an interface. Fails with EBUSY when another XDP program is attached
 * (we never replace someone else's).
 */
export function attachXdp(program: KernelProgram, iface: Interface, mode: XdpMode = 'auto'): XdpLink {
  const ifindex = ifindexOf(iface);
  const tryMode = (m: 'native' | 'generic'): { ret: number; log: string; flags: number } => {
    const flags = XDP_FLAGS_UPDATE_IF_NOEXIST | (m === 'native' ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
    const opts = { sz: sizeOf('bpf_xdp_attach_opts'), old_prog_fd: 0 };
    return withLibbpfLog((log) => {
      const ret = libbpf().bpf_xdp_attach(ifindex, program.fd, flags, opts) as number;
      return { ret, log: log(), flags };
    });
  };
  const first: 'native' | 'generic' = mode === 'generic' ? 'generic' : 'native';
  let r = tryMode(first);
  let used = first;
  if (r.ret < 0 && mode === 'auto' && (-r.ret === EOPNOTSUPP || -r.ret === EINVAL)) {
    r = tryMode('generic');
    used = 'generic';
  }
  if (r.ret < 0) throw new KernelAttachError(program.name, 'xdp', `ifindex ${ifindex} (${used})`, 'bpf_xdp_attach', -r.ret, r.log);
  return new XdpLink(program, ifindex, used, r.flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST);
}

/**
 * Attaches XDP through a bpf_link (kernel 5.9+): the kernel picks native or generic mode, and the link
 * can be pinned so the attachment is owned by bpffs and re-adopted after a restart.
 */
export function attachXdpLink(program: KernelProgram, iface: Interface): LibbpfLink {
  const prog = program.requireNative('attach xdp link');
  const ifindex = ifindexOf(iface);
  return attachWith(program, 'xdp', `ifindex ${ifindex} (link)`, 'bpf_program__attach_xdp', () => libbpf().bpf_program__attach_xdp(prog, ifindex) as NativePointer | null);
}
