// broken_null_deref: DELIBERATELY BROKEN. The kernel (and bpfleet's verifier) must refuse it.
// It increments a map value without checking that bpf_map_lookup_elem found one, so R0 may be NULL:
//   R0 invalid mem access 'map_value_or_null'
// at the line marked below. The fix is the usual `if (!count) return 0;` after the lookup.
// The demo pushes it as a new version of opens_per_process to show the rejection and the hint.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} opens SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(void *ctx) {
  __u32 pid = bpf_get_current_pid_tgid() >> 32;
  __u64 *count = bpf_map_lookup_elem(&opens, &pid);
  *count += 1; // BUG: no NULL check
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
