// LRU hash and LRU per-CPU hash updates.
// verdict: accept
// rule: helpers
#include "common.h"

struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } lru SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } lru_pc SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } pc SEC(".maps");

SEC("socket")
int lru_updates(struct __sk_buff *skb) {
  __u32 key = skb->len & 15, zero = 0;
  __u64 one = 1;
  bpf_map_update_elem(&lru, &key, &one, BPF_ANY);
  bpf_map_update_elem(&lru_pc, &key, &one, BPF_ANY);
  __u64 *c = bpf_map_lookup_elem(&pc, &zero);
  if (c) (*c)++;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
