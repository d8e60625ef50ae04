// Takes a second bpf_spin_lock while holding one: the second bpf_spin_lock call is itself a call under a lock.
// verdict: reject
// rule: spin-lock
// expect: function calls are not allowed while holding a lock
#include "common.h"

struct locked { struct bpf_spin_lock lock; __u64 value; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct locked); } locks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct locked); } locks2 SEC(".maps");
static __always_inline __attribute__((unused)) struct locked *get(void *map) { __u32 k = 0; return bpf_map_lookup_elem(map, &k); }

SEC("tc")
int nested_locks(struct __sk_buff *skb) {
  struct locked *a = get(&locks), *b = get(&locks2);
  if (!a || !b) return 0;
  bpf_spin_lock(&a->lock);
  bpf_spin_lock(&b->lock);
  a->value += b->value;
  bpf_spin_unlock(&b->lock);
  bpf_spin_unlock(&a->lock);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
