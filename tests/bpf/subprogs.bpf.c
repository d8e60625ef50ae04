// Function calls: static __noinline subprograms (verified in the caller's context, sharing its
// state) chained two deep, and global functions (verified once on their own, with typed arguments:
// a scalar and the program context). A tc program hashes the first bytes of the packet with them.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} flows SEC(".maps");

static __noinline __u32 mix32(__u32 h, __u32 v) {
  h ^= v;
  h *= 0x01000193; // FNV-1a prime
  return h;
}

static __noinline __u32 hash_words(__u32 a, __u32 b, __u32 c) {
  __u32 h = 0x811c9dc5;
  h = mix32(h, a);
  h = mix32(h, b);
  return mix32(h, c);
}

// Global function: the verifier checks it once with `len` as an unknown scalar.
__noinline int clamp_len(__u32 len) {
  if (len > 9000) return 9000;
  return len;
}

// Global function taking the context.
__noinline int packet_mark(struct __sk_buff *skb) {
  if (!skb) return 0;
  return skb->mark;
}

SEC("tc")
int hash_flow(struct __sk_buff *skb) {
  __u32 h = hash_words(skb->protocol, skb->ifindex, clamp_len(skb->len));
  h = mix32(h, packet_mark(skb));
  __u64 one = 1, *count = bpf_map_lookup_elem(&flows, &h);
  if (count) __sync_fetch_and_add(count, 1);
  else bpf_map_update_elem(&flows, &h, &one, BPF_ANY);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
