// Programs the JIT benchmark runs in the VM and in the kernel (BPF_PROG_TEST_RUN), same input.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

/* Loop-heavy: 1,000 iterations of ALU work seeded by the packet length. */
SEC("xdp")
int loop_sum(struct xdp_md *ctx)
{
	__u64 s = ctx->data_end - ctx->data;
	for (__u32 i = 0; i < 1000; i++) {
		s ^= (__u64)i * i;
		s += i;
		s = (s << 3) | (s >> 61);
	}
	return (__u32)s;
}

/* FNV-1a 64 over the whole packet (up to 1,500 bytes), a bounds check per byte. */
SEC("xdp")
int fnv1a(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u64 h = 0xcbf29ce484222325ULL;
	for (__u32 i = 0; i < 1500; i++) {
		if (data + i + 1 > end)
			break;
		h ^= data[i];
		h *= 0x100000001b3ULL;
	}
	return (__u32)(h ^ (h >> 32));
}

/* Packet parser: Ethernet / IPv4 (with options) / UDP, returns a port-derived verdict. */
SEC("xdp")
int parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	__u32 ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip))
		return XDP_ABORTED;
	if (ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	struct udphdr *udp = (void *)ip + ihl;
	if ((void *)(udp + 1) > end)
		return XDP_ABORTED;
	__u32 sport = bpf_ntohs(udp->source), dport = bpf_ntohs(udp->dest);
	__u32 h = ip->saddr ^ ip->daddr ^ (sport << 16 | dport);
	return dport == 53 ? (h & 0xffff) | 0x10000 : XDP_DROP;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} flows SEC(".maps");

/* Map-heavy: 16 array lookups and 16 hash lookups/updates per run. */
SEC("xdp")
int maps(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u64 total = 0;
	for (__u32 i = 0; i < 16; i++) {
		__u32 k = (i * 7 + len) & 63;
		__u64 *v = bpf_map_lookup_elem(&counters, &k);
		if (v) {
			*v += i;
			total += *v;
		}
		__u32 f = k & 15;
		__u64 *c = bpf_map_lookup_elem(&flows, &f);
		if (c) {
			*c += 1;
		} else {
			__u64 one = 1;
			bpf_map_update_elem(&flows, &f, &one, BPF_ANY);
		}
	}
	return (__u32)total;
}
