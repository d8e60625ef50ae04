// push, pop and peek on a queue and a stack map.
// verdict: accept
// rule: helpers
#include "common.h"

struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 8); __type(value, __u32); } q SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 8); __type(value, __u32); } st SEC(".maps");

SEC("socket")
int queue_stack(struct __sk_buff *skb) {
  __u32 v = skb->len, out = 0;
  bpf_map_push_elem(&q, &v, BPF_ANY);
  bpf_map_push_elem(&st, &v, BPF_EXIST);
  bpf_map_peek_elem(&q, &out);
  bpf_map_pop_elem(&st, &out);
  return out & 1;
}

char LICENSE[] SEC("license") = "GPL";
