// Uses the value bpf_map_lookup_elem returns without checking it for NULL: the classic mistake.
// verdict: reject
// rule: null-deref
// expect: R0 invalid mem access 'map_value_or_null'
#include "common.h"

SEC("socket")
int lookup_no_check(struct __sk_buff *skb) {
  __u32 key = skb->len & 7;
  __u64 *value = bpf_map_lookup_elem(&hash_8b, &key);
  return *value;
}

char LICENSE[] SEC("license") = "GPL";
