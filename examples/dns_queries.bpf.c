// dns_queries: counts DNS queries by name. Attach: socket filter on a raw socket (or the agent's packet
// source in VM mode). For IPv4 UDP packets to port 53 it copies the query name (wire format: length-
// prefixed labels, at most 64 bytes kept) into the key of `queries` and counts it. The filter returns 0,
// so the socket receives nothing: it only observes.
//   bpfleet query dns_queries --map queries --agg top-k --group-by key.qname
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define QNAME_LEN 64
#define DNS_HEADER_LEN 12

struct qname_key {
  char qname[QNAME_LEN];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, struct qname_key);
  __type(value, __u64);
} queries SEC(".maps");

SEC("socket")
int count_dns_queries(struct __sk_buff *skb) {
  __u8 version_ihl;
  if (skb->protocol != bpf_htons(ETH_P_IP)) return 0;
  if (bpf_skb_load_bytes(skb, ETH_HLEN, &version_ihl, 1) < 0) return 0;
  __u32 ihl = (version_ihl & 0x0f) * 4;
  if (ihl < sizeof(struct iphdr)) return 0;

  __u8 proto;
  if (bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, protocol), &proto, 1) < 0) return 0;
  if (proto != IPPROTO_UDP) return 0;

  struct udphdr udp;
  if (bpf_skb_load_bytes(skb, ETH_HLEN + ihl, &udp, sizeof(udp)) < 0) return 0;
  if (udp.dest != bpf_htons(53)) return 0;

  struct qname_key key = {};
  __u32 offset = ETH_HLEN + ihl + sizeof(udp) + DNS_HEADER_LEN;
  // Copy the longest prefix of the name the packet holds (a short packet copies less).
  if (bpf_skb_load_bytes(skb, offset, key.qname, QNAME_LEN) < 0) {
    if (bpf_skb_load_bytes(skb, offset, key.qname, 16) < 0) return 0;
  }
  // Clear everything after the terminating zero label so the bytes after the name do not split counts.
  int ended = 0;
#pragma unroll
  for (int i = 0; i < QNAME_LEN; i++) {
    if (key.qname[i] == 0) ended = 1;
    if (ended) key.qname[i] = 0;
  }

  __u64 *count = bpf_map_lookup_elem(&queries, &key);
  if (count) {
    __sync_fetch_and_add(count, 1);
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&queries, &key, &one, BPF_NOEXIST);
  }
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
