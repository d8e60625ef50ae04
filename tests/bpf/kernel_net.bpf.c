// Kernel runtime fixture: XDP and tc programs that count UDP packets to port 9999, a tc program that
// marks them, and a socket filter that drops datagrams starting with 'd'.
// corpus: no-v4
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PORT 9999
#define MARK 0x2a

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} xdp_udp SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} tc_seen SEC(".maps"); // [0] packets to PORT, [1] of those carrying MARK

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} sock_seen SEC(".maps"); // [0] seen, [1] dropped

static __always_inline int is_test_udp(void *data, void *data_end) {
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) return 0;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP || ip->ihl != 5) return 0;
  struct udphdr *udp = (void *)(ip + 1);
  if ((void *)(udp + 1) > data_end) return 0;
  return udp->dest == bpf_htons(PORT);
}

SEC("xdp")
int xdp_count_udp(struct xdp_md *ctx) {
  if (is_test_udp((void *)(long)ctx->data, (void *)(long)ctx->data_end)) {
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&xdp_udp, &key);
    if (v) *v += 1;
  }
  return XDP_PASS;
}

SEC("tc")
int tc_set_mark(struct __sk_buff *skb) {
  if (is_test_udp((void *)(long)skb->data, (void *)(long)skb->data_end)) skb->mark = MARK;
  return TC_ACT_UNSPEC; // continue with the next filter
}

SEC("tc")
int tc_check_mark(struct __sk_buff *skb) {
  if (is_test_udp((void *)(long)skb->data, (void *)(long)skb->data_end)) {
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&tc_seen, &key);
    if (v) __sync_fetch_and_add(v, 1);
    key = 1;
    v = bpf_map_lookup_elem(&tc_seen, &key);
    if (v && skb->mark == MARK) __sync_fetch_and_add(v, 1);
  }
  return TC_ACT_OK;
}

SEC("socket")
int sock_drop_d(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&sock_seen, &key);
  if (v) __sync_fetch_and_add(v, 1);
  // For a UDP socket the filter sees the packet from the UDP header on: payload starts at 8.
  __u8 first = 0;
  if (bpf_skb_load_bytes(skb, 8, &first, 1) == 0 && first == 'd') {
    key = 1;
    v = bpf_map_lookup_elem(&sock_seen, &key);
    if (v) __sync_fetch_and_add(v, 1);
    return 0;
  }
  return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
