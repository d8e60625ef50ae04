// cgroup_skb/egress accounting: counts bytes and packets a cgroup sends per socket uid and lets every
// packet through (return 1; 0 would drop). A second program on ingress drops nothing but counts too.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct byte_count { __u64 packets; __u64 bytes; };

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32); // socket uid
  __type(value, struct byte_count);
} egress_by_uid SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct byte_count);
} ingress_total SEC(".maps");

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb) {
  __u32 uid = bpf_get_socket_uid(skb);
  struct byte_count *c = bpf_map_lookup_elem(&egress_by_uid, &uid);
  if (c) {
    __sync_fetch_and_add(&c->packets, 1);
    __sync_fetch_and_add(&c->bytes, skb->len);
  } else {
    struct byte_count fresh = {.packets = 1, .bytes = skb->len};
    bpf_map_update_elem(&egress_by_uid, &uid, &fresh, BPF_NOEXIST);
  }
  return 1;
}

SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb) {
  __u32 zero = 0;
  struct byte_count *c = bpf_map_lookup_elem(&ingress_total, &zero);
  if (c) {
    __sync_fetch_and_add(&c->packets, 1);
    __sync_fetch_and_add(&c->bytes, skb->len);
  }
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
