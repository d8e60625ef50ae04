// Kernel runtime fixture: raw tracepoint on sys_enter, counting syscalls of one process (target_pid
// is set by user space through .bss before the test, 0 = every process).
// corpus: no-v4
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 target_pid = 0;
__u64 syscalls = 0;

SEC("raw_tracepoint/sys_enter")
int count_sys_enter(struct bpf_raw_tracepoint_args *ctx) {
  __u32 pid = bpf_get_current_pid_tgid() >> 32;
  if (target_pid == 0 || pid == target_pid) __sync_fetch_and_add(&syscalls, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
