// A realistic XDP parser: Ethernet, then IPv4 with its own data_end check.
// verdict: accept
// rule: packet-bounds
#include "common.h"

#include <linux/if_ether.h>
#include <linux/ip.h>

SEC("xdp")
int parse_ip_checked(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_DROP;
  return ip->protocol == 17 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
