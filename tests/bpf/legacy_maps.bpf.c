// Old-style object: maps declared as `struct bpf_map_def` in the legacy "maps" section (what
// samples/bpf and iproute2 used before BTF-defined maps). libbpf 1.0 and newer refuse to open it;
// the ELF loader must still read it. A socket filter counts packets per protocol.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
};

struct bpf_map_def SEC("maps") proto_count = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 256,
};

struct bpf_map_def SEC("maps") len_hist = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 64,
    .map_flags = BPF_F_NO_PREALLOC,
};

SEC("socket")
int count_protocols(struct __sk_buff *skb) {
  __u32 proto = skb->protocol & 0xff;
  __u64 *count = bpf_map_lookup_elem(&proto_count, &proto);
  if (count) __sync_fetch_and_add(count, 1);
  __u32 bucket = skb->len >> 6;
  __u64 one = 1, *n = bpf_map_lookup_elem(&len_hist, &bucket);
  if (n) __sync_fetch_and_add(n, 1);
  else bpf_map_update_elem(&len_hist, &bucket, &one, BPF_NOEXIST);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
