// A loop over the first 32 bytes of skb->cb/len fields bounded by a constant (clang keeps the loop).
// verdict: accept
// rule: loops
#include "common.h"

SEC("socket")
int loop_const(struct __sk_buff *skb) {
  __u64 acc = 0;
#pragma clang loop unroll(disable)
  for (__u32 i = 0; i < 32; i++) acc = acc * 33 + (skb->len ^ i);
  return acc & 1;
}

char LICENSE[] SEC("license") = "GPL";
