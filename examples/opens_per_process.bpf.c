// opens_per_process: counts openat(2) calls per process.
// Attach: tracepoint syscalls/sys_enter_openat (kernel runtime) or the agent's openat event source (VM).
// Map `opens`: hash keyed by {pid, comm}, value a __u64 counter. The agent sends deltas; query it with
//   bpfleet query opens_per_process --map opens --agg top-k --group-by key.comm
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16

struct proc_key {
  __u32 pid;
  char comm[TASK_COMM_LEN];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 10240);
  __type(key, struct proc_key);
  __type(value, __u64);
} opens SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(void *ctx) {
  struct proc_key key = {};
  key.pid = bpf_get_current_pid_tgid() >> 32;
  bpf_get_current_comm(&key.comm, sizeof(key.comm));
  __u64 *count = bpf_map_lookup_elem(&opens, &key);
  if (count) {
    __sync_fetch_and_add(count, 1);
  } else {
    __u64 one = 1;
    // BPF_NOEXIST: a concurrent first open on another CPU wins; its count is then one low at most.
    bpf_map_update_elem(&opens, &key, &one, BPF_NOEXIST);
  }
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
