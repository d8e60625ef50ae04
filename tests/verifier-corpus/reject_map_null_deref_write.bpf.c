// Writes through the unchecked result of a lookup in an array map (array lookups can fail too: the key may be out of range).
// verdict: reject
// rule: null-deref
// expect: invalid mem access 'map_value_or_null'
#include "common.h"

SEC("xdp")
int array_no_check(struct xdp_md *ctx) {
  __u32 key = ctx->ingress_ifindex;
  __u64 *slot = bpf_map_lookup_elem(&array_48b, &key);
  slot[0] = 1;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
