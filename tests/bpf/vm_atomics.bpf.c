// Every atomic operation, 32 and 64 bit, with and without fetch, on .bss variables.
// The fetch variants, xchg and cmpxchg need -mcpu=v3; the default-cpu build only has the plain add.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct args { __u64 a; __u64 b; };

// Operands travel in the test packet after a 14-byte pseudo Ethernet header, so the kernel's
// BPF_PROG_TEST_RUN (xdp) can feed them; the compiler cannot constant-fold them.
#define ARGS(xdp)                                                         \
  struct args *ctx = (void *)(long)(xdp)->data + 14;                      \
  if ((void *)(ctx + 1) > (void *)(long)(xdp)->data_end) return XDP_ABORTED

__u64 v64[8];
__u32 v32[8];
__u64 fetched[16];

SEC("xdp")
int atomics(struct xdp_md *xdp) {
  ARGS(xdp);
  __u64 a = ctx->a, b = ctx->b;
  for (int i = 0; i < 8; i++) { v64[i] = a; v32[i] = (__u32)a; }
  __sync_fetch_and_add(&v64[0], b);
  __sync_fetch_and_add(&v32[0], (__u32)b);
#if CORPUS_CPU >= 3
  fetched[0] = __sync_fetch_and_add(&v64[1], b);
  fetched[1] = __sync_fetch_and_or(&v64[2], b);
  fetched[2] = __sync_fetch_and_and(&v64[3], b);
  fetched[3] = __sync_fetch_and_xor(&v64[4], b);
  fetched[4] = __sync_lock_test_and_set(&v64[5], b);
  fetched[5] = __sync_val_compare_and_swap(&v64[6], a, b);
  fetched[6] = __sync_val_compare_and_swap(&v64[7], b, a + 1);
  fetched[7] = __sync_fetch_and_add(&v32[1], (__u32)b);
  fetched[8] = __sync_fetch_and_or(&v32[2], (__u32)b);
  fetched[9] = __sync_fetch_and_and(&v32[3], (__u32)b);
  fetched[10] = __sync_fetch_and_xor(&v32[4], (__u32)b);
  fetched[11] = __sync_lock_test_and_set(&v32[5], (__u32)b);
  fetched[12] = __sync_val_compare_and_swap(&v32[6], (__u32)a, (__u32)b);
  fetched[13] = __sync_val_compare_and_swap(&v32[7], (__u32)b, (__u32)a + 1);
  __sync_fetch_and_or(&v64[0], 0x100);
  __sync_fetch_and_and(&v32[0], 0xff00ff00);
  __sync_fetch_and_xor(&v32[0], 0x5a5a5a5a);
#endif
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
