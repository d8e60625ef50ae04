// tc classifier (direct action): reads __sk_buff metadata (len, protocol, ifindex, priority,
// queue_mapping, hash), tags IPv4 packets longer than `big_packet` with skb->mark = 0x2a and keeps
// per-interface statistics in an LRU hash. Always TC_ACT_OK: it marks, it never drops.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct if_stats {
  __u64 packets;
  __u64 bytes;
  __u64 marked;
  __u32 last_priority;
  __u32 last_queue;
  __u32 last_hash;
  __u32 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 128);
  __type(key, __u32); // ifindex
  __type(value, struct if_stats);
} stats_by_ifindex SEC(".maps");

const volatile __u32 big_packet = 1000;

SEC("tc")
int tc_mark_big(struct __sk_buff *skb) {
  __u32 ifindex = skb->ifindex;
  struct if_stats *s = bpf_map_lookup_elem(&stats_by_ifindex, &ifindex);
  if (!s) {
    struct if_stats zero = {};
    bpf_map_update_elem(&stats_by_ifindex, &ifindex, &zero, BPF_NOEXIST);
    s = bpf_map_lookup_elem(&stats_by_ifindex, &ifindex);
    if (!s) return TC_ACT_OK;
  }
  s->packets++;
  s->bytes += skb->len;
  s->last_priority = skb->priority;
  s->last_queue = skb->queue_mapping;
  s->last_hash = skb->hash;
  if (skb->protocol == bpf_htons(ETH_P_IP) && skb->len > big_packet) {
    skb->mark = 0x2a;
    s->marked++;
  }
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
