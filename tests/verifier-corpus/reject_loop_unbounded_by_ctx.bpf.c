// A loop bounded only by skb->len (up to 4 GiB): the verifier cannot prove termination within its 1,000,000-instruction budget.
// verdict: reject
// rule: complexity-budget
// expect: BPF program is too large
#include "common.h"

SEC("socket")
int loop_to_len(struct __sk_buff *skb) {
  __u32 n = skb->len;
  __u64 acc = 0;
  for (__u32 i = 0; i < n; i++) acc = acc * 33 + i;
  return acc & 1;
}

char LICENSE[] SEC("license") = "GPL";
