// Counts openat(2) calls per process: tracepoint on syscalls/sys_enter_openat, a hash keyed by pid
// whose value keeps the command name and the number of calls. Like `opensnoop -c` would.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// Layout of /sys/kernel/tracing/events/syscalls/sys_enter_openat/format.
struct sys_enter_openat_args {
  __u64 common;        // common_type, common_flags, common_preempt_count, common_pid
  __s32 syscall_nr;
  __u32 pad;
  __u64 dfd;
  const char *filename;
  __u64 flags;
  __u64 mode;
};

struct open_stats {
  char comm[16];
  __u64 calls;
  __u64 last_flags;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 10240);
  __type(key, __u32);
  __type(value, struct open_stats);
} opens_by_pid SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(struct sys_enter_openat_args *ctx) {
  __u32 pid = bpf_get_current_pid_tgid() >> 32;
  struct open_stats *stats = bpf_map_lookup_elem(&opens_by_pid, &pid);
  if (!stats) {
    struct open_stats fresh = {};
    bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
    bpf_map_update_elem(&opens_by_pid, &pid, &fresh, BPF_NOEXIST);
    stats = bpf_map_lookup_elem(&opens_by_pid, &pid);
    if (!stats) return 0;
  }
  __sync_fetch_and_add(&stats->calls, 1);
  stats->last_flags = ctx->flags;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
