// syscall_latency: a log2 histogram of system call latency in nanoseconds.
// Attach: raw_tracepoint sys_enter and sys_exit. Entry time is kept per thread in `start`; on exit the
// elapsed time goes into slot log2(ns) of `latency_ns` (an array of 64 __u64 slots, slot i counting
// latencies in [2^i, 2^(i+1)) ns). The controller merges the slots across hosts and reports p50/p90/p99:
//   bpfleet query syscall_latency --map latency_ns --agg histogram
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SLOTS 64

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);   // thread id
  __type(value, __u64); // entry timestamp, ns
} start SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64[SLOTS]);
} latency_ns SEC(".maps");

static __always_inline __u32 log2_u64(__u64 v) {
  __u32 r = 0;
  // Unrolled binary search: no loop for old kernels' verifiers.
  if (v >> 32) { v >>= 32; r += 32; }
  if (v >> 16) { v >>= 16; r += 16; }
  if (v >> 8) { v >>= 8; r += 8; }
  if (v >> 4) { v >>= 4; r += 4; }
  if (v >> 2) { v >>= 2; r += 2; }
  if (v >> 1) { r += 1; }
  return r;
}

SEC("raw_tracepoint/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u64 now = bpf_ktime_get_ns();
  bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
  return 0;
}

SEC("raw_tracepoint/sys_exit")
int on_sys_exit(struct bpf_raw_tracepoint_args *ctx) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u64 *begin = bpf_map_lookup_elem(&start, &tid);
  if (!begin) return 0;
  __u64 delta = bpf_ktime_get_ns() - *begin;
  bpf_map_delete_elem(&start, &tid);
  __u32 zero = 0;
  __u64 *slots = bpf_map_lookup_elem(&latency_ns, &zero);
  if (!slots) return 0;
  __u32 slot = log2_u64(delta);
  if (slot >= SLOTS) slot = SLOTS - 1;
  __sync_fetch_and_add(&slots[slot], 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
