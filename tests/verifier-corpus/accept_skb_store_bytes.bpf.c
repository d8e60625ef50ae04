// tc rewrites the first two bytes of the packet with bpf_skb_store_bytes.
// verdict: accept
// rule: helpers
#include "common.h"

SEC("tc")
int store_bytes(struct __sk_buff *skb) {
  __u16 v = 0xffff;
  bpf_skb_store_bytes(skb, 0, &v, sizeof(v), BPF_F_RECOMPUTE_CSUM);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
