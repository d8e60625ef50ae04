// Syscall latency histogram: raw tracepoints on sys_enter/sys_exit store the entry time per thread and
// add the elapsed time to a log2 histogram (64 buckets of nanoseconds), the way `syscount -L` or a
// runqlat-style tool does. The log2 is a static subprogram.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_BUCKETS 64

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8192);
  __type(key, __u64);   // pid_tgid
  __type(value, __u64); // entry timestamp (ns)
} start_ns SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, MAX_BUCKETS);
  __type(key, __u32);
  __type(value, __u64);
} latency_log2 SEC(".maps");

// Index of the highest set bit, the classic branch-free-ish log2 from the BCC tools.
static __noinline __u32 log2_u64(__u64 v) {
  __u32 r = 0, shift;
  shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
  shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
  shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
  shift = (v > 0xF) << 2; v >>= shift; r |= shift;
  shift = (v > 0x3) << 1; v >>= shift; r |= shift;
  r |= (v >> 1);
  return r;
}

SEC("raw_tracepoint/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u64 now = bpf_ktime_get_ns();
  bpf_map_update_elem(&start_ns, &id, &now, BPF_ANY);
  return 0;
}

SEC("raw_tracepoint/sys_exit")
int on_sys_exit(struct bpf_raw_tracepoint_args *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u64 *start = bpf_map_lookup_elem(&start_ns, &id);
  if (!start) return 0;
  __u64 delta = bpf_ktime_get_ns() - *start;
  bpf_map_delete_elem(&start_ns, &id);
  __u32 bucket = log2_u64(delta);
  if (bucket >= MAX_BUCKETS) bucket = MAX_BUCKETS - 1;
  __u64 *count = bpf_map_lookup_elem(&latency_log2, &bucket);
  if (count) __sync_fetch_and_add(count, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
