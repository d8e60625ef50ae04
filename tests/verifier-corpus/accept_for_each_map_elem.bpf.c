// bpf_for_each_map_elem summing a hash map through a callback.
// verdict: accept
// rule: loops
#include "common.h"

struct acc { __u64 total; };
static long visit(void *map, __u32 *key, __u64 *value, struct acc *a) { a->total += *value; return 0; }

SEC("socket")
int sum_map(struct __sk_buff *skb) {
  struct acc a = {0};
  bpf_for_each_map_elem(&hash_8b, visit, &a, 0);
  return a.total & 1;
}

char LICENSE[] SEC("license") = "GPL";
