/**
 * A live attachment of a program. close() releases our handle: links the kernel owns through a
 * bpf_link fd disappear with the last reference, so an unpinned link detaches on close, a pinned one
 * stays attached until unpinned. detach() removes the attachment even while pins or other fds exist.
 */
export interface Link {
  /** What it is attached to, for messages (`tracepoint syscalls/sys_enter_openat`, `xdp ifindex 3`). */
  readonly description: string;
  /** Whether pin() is possible (bpf_link fds; netlink-based tc/xdp and socket filters are not). */
  readonly pinnable: boolean;
  pin(path: string): void;
  unpin(): void;
  /** Detaches from the hook now. */
  detach(): void;
  /** Releases the handle (detaches unless pinned). Idempotent. */
  close(): void;
}
