// Kernel runtime fixture: counts openat calls per process (tracepoint), keyed by pid and comm.
// corpus: no-v4
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct proc_key {
  __u32 pid;
  char comm[16];
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
  __u64 one = 1;
  __u64 *value = bpf_map_lookup_elem(&opens, &key);
  if (value)
    __sync_fetch_and_add(value, 1);
  else
    bpf_map_update_elem(&opens, &key, &one, BPF_NOEXIST);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
