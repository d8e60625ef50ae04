// Indexes a 48-byte value with a packet-derived index masked to 0..5 (times 8).
// verdict: accept
// rule: map-value-bounds
#include "common.h"

SEC("socket")
int bounded_index(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *slots = bpf_map_lookup_elem(&array_48b, &key);
  if (!slots) return 0;
  __u32 i = skb->len & 3;
  slots[i]++;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
