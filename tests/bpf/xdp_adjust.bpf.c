// Packet rewriting helpers in XDP: strips an outer VLAN tag with bpf_xdp_adjust_head (moving the MAC
// addresses forward first), trims padding beyond the IPv4 total length with bpf_xdp_adjust_tail, and
// decrements the IPv4 TTL with an incremental checksum update via bpf_csum_diff.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_hdr {
  __be16 tci;
  __be16 encapsulated_proto;
};

static __always_inline int pop_vlan(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return -1;
  if (eth->h_proto != bpf_htons(ETH_P_8021Q)) return 0;
  struct vlan_hdr *vlan = (void *)(eth + 1);
  if ((void *)(vlan + 1) > data_end) return -1;
  struct ethhdr copy;
  __builtin_memcpy(copy.h_dest, eth->h_dest, ETH_ALEN);
  __builtin_memcpy(copy.h_source, eth->h_source, ETH_ALEN);
  copy.h_proto = vlan->encapsulated_proto;
  if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct vlan_hdr))) return -1;
  data = (void *)(long)ctx->data;
  data_end = (void *)(long)ctx->data_end;
  eth = data;
  if ((void *)(eth + 1) > data_end) return -1;
  __builtin_memcpy(eth, &copy, sizeof(copy));
  return 1;
}

SEC("xdp")
int xdp_rewrite(struct xdp_md *ctx) {
  if (pop_vlan(ctx) < 0) return XDP_DROP;
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_DROP;
  if (ip->ttl <= 1) return XDP_DROP;

  __u32 old_word = *(__u32 *)&ip->ttl; // ttl, protocol, check
  ip->ttl--;
  __u32 new_word = *(__u32 *)&ip->ttl;
  __s64 csum = bpf_csum_diff(&old_word, sizeof(old_word), &new_word, sizeof(new_word), ~((__u32)ip->check) & 0xffff);
  if (csum >= 0) {
    __u32 sum = (__u32)csum;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    ip->check = ~sum;
  }

  __u32 frame_len = data_end - data;
  __u32 wanted = sizeof(struct ethhdr) + bpf_ntohs(ip->tot_len);
  if (wanted < frame_len && frame_len - wanted < 256) bpf_xdp_adjust_tail(ctx, -(int)(frame_len - wanted));
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
