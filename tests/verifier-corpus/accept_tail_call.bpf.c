// bpf_tail_call through a prog array (an empty slot simply falls through).
// verdict: accept
// rule: helpers
#include "common.h"

struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 4); __uint(key_size, 4); __uint(value_size, 4); } jumps SEC(".maps");

SEC("socket")
int tail(struct __sk_buff *skb) {
  bpf_tail_call(skb, &jumps, skb->len & 3);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
