// Releases a bpf_spin_lock that was never taken.
// verdict: reject
// rule: spin-lock
// expect: bpf_spin_unlock without taking a lock
#include "common.h"

struct locked { struct bpf_spin_lock lock; __u64 value; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct locked); } locks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct locked); } locks2 SEC(".maps");
static __always_inline __attribute__((unused)) struct locked *get(void *map) { __u32 k = 0; return bpf_map_lookup_elem(map, &k); }

SEC("tc")
int unlock_only(struct __sk_buff *skb) {
  struct locked *l = get(&locks);
  if (!l) return 0;
  l->value++;
  bpf_spin_unlock(&l->lock);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
