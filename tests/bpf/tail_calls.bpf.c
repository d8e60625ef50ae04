// Tail-call dispatcher: an XDP entry program jumps through a prog array to a per-protocol handler
// (IPv4, IPv6, everything else). The prog array is initialised declaratively in the object
// (libbpf fills the slots at load). Each handler counts into its own array slot.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { SLOT_IPV4 = 0, SLOT_IPV6 = 1, SLOT_OTHER = 2 };

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 3);
  __type(key, __u32);
  __type(value, __u64);
} handled SEC(".maps");

static __always_inline int count_and_pass(__u32 slot) {
  __u64 *c = bpf_map_lookup_elem(&handled, &slot);
  if (c) __sync_fetch_and_add(c, 1);
  return XDP_PASS;
}

SEC("xdp") int handle_ipv4(struct xdp_md *ctx) { return count_and_pass(SLOT_IPV4); }
SEC("xdp") int handle_ipv6(struct xdp_md *ctx) { return count_and_pass(SLOT_IPV6); }
SEC("xdp") int handle_other(struct xdp_md *ctx) { return count_and_pass(SLOT_OTHER); }

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 3);
  __uint(key_size, sizeof(__u32));
  __array(values, int(void *));
} dispatch SEC(".maps") = {
    .values = {
        [SLOT_IPV4] = (void *)&handle_ipv4,
        [SLOT_IPV6] = (void *)&handle_ipv6,
        [SLOT_OTHER] = (void *)&handle_other,
    },
};

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  __u32 slot = SLOT_OTHER;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) slot = SLOT_IPV4;
  else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) slot = SLOT_IPV6;
  bpf_tail_call(ctx, &dispatch, slot);
  return XDP_ABORTED; // only reached when the slot is empty
}

char LICENSE[] SEC("license") = "GPL";
