// Lock, update, unlock, no helper calls in between.
// verdict: accept
// rule: spin-lock
#include "common.h"

struct locked { struct bpf_spin_lock lock; __u64 value; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct locked); } locks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct locked); } locks2 SEC(".maps");
static __always_inline __attribute__((unused)) struct locked *get(void *map) { __u32 k = 0; return bpf_map_lookup_elem(map, &k); }

SEC("tc")
int lock_update(struct __sk_buff *skb) {
  struct locked *l = get(&locks);
  if (!l) return 0;
  bpf_spin_lock(&l->lock);
  l->value += skb->len;
  bpf_spin_unlock(&l->lock);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
