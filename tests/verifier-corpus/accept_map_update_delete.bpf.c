// Update, lookup and delete on a hash map.
// verdict: accept
// rule: helpers
#include "common.h"

SEC("socket")
int update_delete(struct __sk_buff *skb) {
  __u32 key = skb->protocol;
  __u64 value = skb->len;
  bpf_map_update_elem(&hash_8b, &key, &value, BPF_ANY);
  __u64 *p = bpf_map_lookup_elem(&hash_8b, &key);
  __u64 seen = p ? *p : 0;
  bpf_map_delete_elem(&hash_8b, &key);
  return seen & 1;
}

char LICENSE[] SEC("license") = "GPL";
