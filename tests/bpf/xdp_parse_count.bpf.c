// XDP firewall and traffic counter: parses Ethernet, IPv4/IPv6 and TCP/UDP headers with the usual
// data/data_end checks, counts packets and bytes per L4 protocol in a per-CPU array, drops packets whose
// destination port is in a hash of blocked ports, and (when the loader sets `swap_macs`) bounces the frame
// back by swapping source and destination MAC addresses.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum proto_slot { SLOT_OTHER = 0, SLOT_TCP = 1, SLOT_UDP = 2, SLOT_ICMP = 3, SLOT_NON_IP = 4, SLOT_COUNT = 5 };

struct traffic { __u64 packets; __u64 bytes; };

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SLOT_COUNT);
  __type(key, __u32);
  __type(value, struct traffic);
} traffic_by_proto SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u16);  // destination port, host byte order
  __type(value, __u64); // packets dropped
} blocked_ports SEC(".maps");

const volatile __u8 swap_macs = 0; // set by the loader before load (.rodata)

static __always_inline void account(__u32 slot, __u64 bytes) {
  struct traffic *t = bpf_map_lookup_elem(&traffic_by_proto, &slot);
  if (t) { t->packets++; t->bytes += bytes; }
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  __u64 len = data_end - data;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;

  __u8 l4proto;
  void *l4;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end) return XDP_DROP;
    if (ip->ihl < 5) return XDP_DROP;
    l4proto = ip->protocol;
    l4 = (void *)ip + ip->ihl * 4;
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    if ((void *)(ip6 + 1) > data_end) return XDP_DROP;
    l4proto = ip6->nexthdr;
    l4 = ip6 + 1;
  } else {
    account(SLOT_NON_IP, len);
    return XDP_PASS;
  }

  __u16 dport = 0;
  if (l4proto == IPPROTO_TCP) {
    struct tcphdr *tcp = l4;
    if ((void *)(tcp + 1) > data_end) return XDP_DROP;
    dport = bpf_ntohs(tcp->dest);
    account(SLOT_TCP, len);
  } else if (l4proto == IPPROTO_UDP) {
    struct udphdr *udp = l4;
    if ((void *)(udp + 1) > data_end) return XDP_DROP;
    dport = bpf_ntohs(udp->dest);
    account(SLOT_UDP, len);
  } else if (l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6) {
    account(SLOT_ICMP, len);
  } else {
    account(SLOT_OTHER, len);
  }

  if (dport) {
    __u64 *drops = bpf_map_lookup_elem(&blocked_ports, &dport);
    if (drops) { __sync_fetch_and_add(drops, 1); return XDP_DROP; }
  }

  if (swap_macs) {
    unsigned char tmp[ETH_ALEN];
    __builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
    return XDP_TX;
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
