// packets_by_protocol: packets and bytes per IP protocol (TCP 6, UDP 17, ICMP 1, ICMPv6 58, ...) seen on
// an interface. Attach: xdp (always XDP_PASS; it only counts). Map `by_proto`: array of 256 entries
// indexed by the IP protocol number, value {packets, bytes} as two __u64 counters. Non-IP frames count
// under index 255.
//   bpfleet query packets_by_protocol --map by_proto --agg sum --group-by agent,key
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define OTHER_PROTO 255

struct proto_stats {
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, struct proto_stats);
} by_proto SEC(".maps");

SEC("xdp")
int count_protocols(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  __u64 len = data_end - data;
  __u32 proto = OTHER_PROTO;

  struct ethhdr *eth = data;
  if ((void *)(eth + 1) <= data_end) {
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
      struct iphdr *ip = (void *)(eth + 1);
      if ((void *)(ip + 1) <= data_end) proto = ip->protocol;
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
      struct ipv6hdr *ip6 = (void *)(eth + 1);
      if ((void *)(ip6 + 1) <= data_end) proto = ip6->nexthdr;
    }
  }

  struct proto_stats *stats = bpf_map_lookup_elem(&by_proto, &proto);
  if (stats) {
    __sync_fetch_and_add(&stats->packets, 1);
    __sync_fetch_and_add(&stats->bytes, len);
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
