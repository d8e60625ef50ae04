// bpf_map_delete_elem on an array map passes verification; it only fails (-EINVAL) when it runs.
// verdict: accept
// rule: helpers
#include "common.h"

SEC("socket")
int delete_from_array(struct __sk_buff *skb) {
  __u32 key = 0;
  return bpf_map_delete_elem(&array_48b, &key) == 0;
}

char LICENSE[] SEC("license") = "GPL";
