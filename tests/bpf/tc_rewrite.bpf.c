// tc program that NATs the IPv4 destination port 8080 -> 80: rewrites bytes with bpf_skb_store_bytes
// and fixes the TCP checksum with bpf_l4_csum_replace (the IP header checksum does not cover ports);
// also rewrites the destination address when `new_daddr` is configured, fixing both checksums with
// bpf_l3_csum_replace / bpf_l4_csum_replace (pseudo-header).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IP_OFF ETH_HLEN
#define IP_CSUM_OFF (IP_OFF + __builtin_offsetof(struct iphdr, check))
#define IP_DST_OFF (IP_OFF + __builtin_offsetof(struct iphdr, daddr))
#define TCP_OFF (IP_OFF + sizeof(struct iphdr))
#define TCP_CSUM_OFF (TCP_OFF + __builtin_offsetof(struct tcphdr, check))
#define TCP_DPORT_OFF (TCP_OFF + __builtin_offsetof(struct tcphdr, dest))

const volatile __u32 new_daddr = 0; // network byte order; 0 = keep

SEC("tc")
int nat_port(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  struct iphdr *ip = (void *)(eth + 1);
  struct tcphdr *tcp = (void *)(ip + 1);
  if ((void *)(tcp + 1) > data_end) return TC_ACT_OK;
  if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_TCP) return TC_ACT_OK;
  if (tcp->dest != bpf_htons(8080)) return TC_ACT_OK;

  __be16 old_port = tcp->dest, new_port = bpf_htons(80);
  bpf_l4_csum_replace(skb, TCP_CSUM_OFF, old_port, new_port, sizeof(new_port));
  bpf_skb_store_bytes(skb, TCP_DPORT_OFF, &new_port, sizeof(new_port), 0);

  if (new_daddr) {
    __u32 old_addr;
    if (bpf_skb_load_bytes(skb, IP_DST_OFF, &old_addr, sizeof(old_addr)) < 0) return TC_ACT_SHOT;
    __u32 addr = new_daddr;
    bpf_l4_csum_replace(skb, TCP_CSUM_OFF, old_addr, addr, BPF_F_PSEUDO_HDR | sizeof(addr));
    bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_addr, addr, sizeof(addr));
    bpf_skb_store_bytes(skb, IP_DST_OFF, &addr, sizeof(addr), 0);
  }
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
