// A bpf_spin_lock protecting a multi-field value in a hash map: a tc program updates a flow's
// packet count, byte count and max length atomically as a group (what a single atomic cannot do).
// No helper calls happen while the lock is held, as the verifier requires.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct flow_stats {
  struct bpf_spin_lock lock;
  __u64 packets;
  __u64 bytes;
  __u32 max_len;
  __u32 min_len;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, struct flow_stats);
} flow_table SEC(".maps");

SEC("tc")
int locked_update(struct __sk_buff *skb) {
  __u32 key = skb->hash & 1023;
  struct flow_stats *s = bpf_map_lookup_elem(&flow_table, &key);
  if (!s) {
    struct flow_stats zero = {.min_len = 0xffffffff};
    bpf_map_update_elem(&flow_table, &key, &zero, BPF_NOEXIST);
    s = bpf_map_lookup_elem(&flow_table, &key);
    if (!s) return TC_ACT_OK;
  }
  __u32 len = skb->len;
  bpf_spin_lock(&s->lock);
  s->packets++;
  s->bytes += len;
  if (len > s->max_len) s->max_len = len;
  if (len < s->min_len) s->min_len = len;
  bpf_spin_unlock(&s->lock);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
