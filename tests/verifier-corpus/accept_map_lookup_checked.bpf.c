// Checks the lookup result for NULL before reading it.
// verdict: accept
// rule: null-deref
#include "common.h"

SEC("socket")
int lookup_checked(struct __sk_buff *skb) {
  __u32 key = skb->len & 7;
  __u64 *value = bpf_map_lookup_elem(&hash_8b, &key);
  return value ? *value : 0;
}

char LICENSE[] SEC("license") = "GPL";
