// Indexes a map value with `len % 6`: the verifier does not derive bounds from a modulo by a non-power-of-two, so the index is unbounded to it (a realistic surprise; mask with & or compare instead).
// verdict: reject
// rule: map-value-bounds
// expect: math between map_value pointer and register with unbounded min value is not allowed
#include "common.h"

SEC("socket")
int modulo_index(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *slots = bpf_map_lookup_elem(&array_48b, &key);
  if (!slots) return 0;
  __u32 i = skb->len % 6;
  slots[i]++;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
