// Kernel runtime fixture: the kernel must refuse this program (map value used without a NULL check),
// so the loader's error carries the verifier log.
// corpus: no-v4
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

SEC("xdp")
int missing_null_check(struct xdp_md *ctx) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&values, &key);
  return *v; // R0 invalid mem access 'map_value_or_null'
}

char LICENSE[] SEC("license") = "GPL";
