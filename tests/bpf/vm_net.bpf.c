// Packet programs for the VM's differential tests: XDP parsing and rewriting (with checksum
// updates), head/tail/meta adjustment, tc with ctx fields, skb helpers and direct access, a socket
// filter with legacy packet loads.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct counter { __u64 packets; __u64 bytes; };

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, struct counter);
} by_proto SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} verdicts SEC(".maps");

__u64 seen[16];

static __always_inline void count(__u32 proto, __u64 bytes) {
  struct counter *c = bpf_map_lookup_elem(&by_proto, &proto);
  if (c) {
    __sync_fetch_and_add(&c->packets, 1);
    __sync_fetch_and_add(&c->bytes, bytes);
  } else {
    struct counter init = { 1, bytes };
    bpf_map_update_elem(&by_proto, &proto, &init, BPF_NOEXIST);
  }
}

static __always_inline int verdict(int v) {
  __u32 k = v;
  __u64 *n = bpf_map_lookup_elem(&verdicts, &k);
  if (n) *n += 1;
  return v;
}

SEC("xdp")
int xdp_parse(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return verdict(XDP_ABORTED);
  __u64 len = data_end - data;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end) return verdict(XDP_DROP);
    count(ip->protocol, len);
    if (ip->protocol == IPPROTO_UDP) {
      struct udphdr *udp = (void *)ip + ip->ihl * 4;
      if ((void *)(udp + 1) > data_end) return verdict(XDP_DROP);
      if (udp->dest == bpf_htons(53)) return verdict(XDP_DROP);
    } else if (ip->protocol == IPPROTO_TCP) {
      struct tcphdr *tcp = (void *)ip + ip->ihl * 4;
      if ((void *)(tcp + 1) > data_end) return verdict(XDP_DROP);
      if (tcp->syn && !tcp->ack) return verdict(XDP_TX);
    }
    return verdict(XDP_PASS);
  }
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    if ((void *)(ip6 + 1) > data_end) return verdict(XDP_DROP);
    count(ip6->nexthdr | 0x100, len);
    return verdict(XDP_PASS);
  }
  count(0xffff, len);
  return verdict(XDP_PASS);
}

// Bounce: swap MACs and IPs, decrement TTL with an incremental checksum update.
SEC("xdp")
int xdp_bounce(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_ABORTED;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_DROP;
  unsigned char tmp[ETH_ALEN];
  __builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
  __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
  __builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
  __u32 a = ip->saddr;
  ip->saddr = ip->daddr;
  ip->daddr = a;
  __u32 sum = ip->check + bpf_htons(0x0100);
  ip->check = sum + (sum >= 0xffff);
  ip->ttl--;
  __u32 seed = 0;
  __s64 diff = bpf_csum_diff(0, 0, (__be32 *)ip, sizeof(*ip), seed);
  seen[0] = (__u64)diff;
  return XDP_TX;
}

// Push an 8-byte tag in front of the frame, stamp metadata, trim the tail.
SEC("xdp")
int xdp_adjust(struct xdp_md *ctx) {
  long r1 = bpf_xdp_adjust_head(ctx, -8);
  long r2 = bpf_xdp_adjust_meta(ctx, -8);
  long r3 = bpf_xdp_adjust_tail(ctx, -4);
  long r4 = bpf_xdp_adjust_head(ctx, -1000);
  long r5 = bpf_xdp_adjust_tail(ctx, 5000);
  seen[0] = r1; seen[1] = r2; seen[2] = r3; seen[3] = r4; seen[4] = r5;
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  void *meta = (void *)(long)ctx->data_meta;
  if (meta + 8 <= data) {
    *(__u64 *)meta = 0x1122334455667788ULL;
  }
  if (data + 8 > data_end) return XDP_ABORTED;
  *(__u32 *)data = bpf_htonl(0xcafebabe);
  *(__u32 *)(data + 4) = bpf_htonl((__u32)(data_end - data));
  seen[5] = data_end - data;
  seen[6] = data - meta;
  return XDP_PASS;
}

SEC("xdp")
int xdp_grow(struct xdp_md *ctx) {
  long r = bpf_xdp_adjust_tail(ctx, 16);
  seen[0] = r;
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  if (data + 20 > data_end) return XDP_ABORTED;
  ((__u8 *)data)[19] = 0xee;
  seen[1] = data_end - data;
  seen[2] = ctx->ingress_ifindex;
  seen[3] = ctx->rx_queue_index;
  return XDP_PASS;
}

SEC("tc")
int tc_fields(struct __sk_buff *skb) {
  seen[0] = skb->len;
  seen[1] = skb->protocol;
  seen[2] = skb->pkt_type;
  seen[3] = skb->ifindex;
  seen[4] = skb->mark;
  seen[5] = skb->priority;
  seen[6] = skb->cb[0] + skb->cb[4];
  seen[7] = skb->wire_len;
  seen[11] = skb->ingress_ifindex;
  seen[12] = skb->data_end - skb->data;
  skb->mark = skb->mark * 3 + 7;
  skb->priority = 0x10003;
  skb->cb[1] = 0xabcd;
  skb->cb[4] = skb->len;
  return TC_ACT_OK;
}

// Rewrite the IPv4 destination with skb helpers and fix both checksums.
SEC("tc")
int tc_nat(struct __sk_buff *skb) {
  struct iphdr ip;
  if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0) return TC_ACT_SHOT;
  if (ip.protocol != IPPROTO_UDP) return TC_ACT_OK;
  __be32 old = ip.daddr;
  __be32 new_addr = bpf_htonl(0x0a000001);
  __u32 udp_csum_off = ETH_HLEN + ip.ihl * 4 + offsetof(struct udphdr, check);
  long r1 = bpf_l4_csum_replace(skb, udp_csum_off, old, new_addr, BPF_F_PSEUDO_HDR | sizeof(new_addr));
  long r2 = bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old, new_addr, sizeof(new_addr));
  long r3 = bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct iphdr, daddr), &new_addr, sizeof(new_addr), 0);
  long r4 = bpf_skb_load_bytes(skb, 10000, &ip, 4);
  seen[0] = r1; seen[1] = r2; seen[2] = r3; seen[3] = r4;
  return TC_ACT_REDIRECT - 7 + bpf_redirect(1, 0);
}

// Direct packet access in tc: bump the last byte of the payload.
SEC("tc")
int tc_direct(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  if (data + 34 > data_end) return TC_ACT_SHOT;
  ((__u8 *)data)[33] ^= 0xff;
  __u8 *p = data;
  __u32 sum = 0;
  for (int i = 0; i < 64; i++) {
    if ((void *)(p + i + 1) > data_end) break;
    sum = sum * 31 + p[i];
  }
  seen[0] = sum;
  return sum & 7;
}

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

// Classic socket filter: legacy loads relative to the network header (the test run strips Ethernet).
SEC("socket")
int sock_filter(struct __sk_buff *skb) {
  __u64 proto = load_byte(skb, 9);
  __u64 tot = load_half(skb, 2);
  __u64 daddr = load_word(skb, 16);
  seen[0] = proto; seen[1] = tot; seen[2] = daddr; seen[3] = skb->len; seen[4] = skb->protocol;
  if (proto == IPPROTO_UDP) {
    __u64 far = load_word(skb, 4000);
    seen[5] = far + 1;
  }
  return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
