// A realistic XDP parser bug: checks the Ethernet header against data_end but reads the IPv4 header without a second check.
// verdict: reject
// rule: packet-bounds
// expect: invalid access to packet
#include "common.h"

#include <linux/if_ether.h>
#include <linux/ip.h>

SEC("xdp")
int parse_ip_unchecked(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  struct iphdr *ip = (void *)(eth + 1);
  return ip->protocol == 17 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
