// bpf_loop with a callback that sums indices into a stack context.
// verdict: accept
// rule: loops
#include "common.h"

struct sum_ctx { __u64 sum; };
static long add_index(__u32 i, struct sum_ctx *c) { c->sum += i; return c->sum > 1000; }

SEC("socket")
int loop_sum(struct __sk_buff *skb) {
  struct sum_ctx c = {0};
  bpf_loop(skb->len & 255, add_index, &c, 0);
  return c.sum & 1;
}

char LICENSE[] SEC("license") = "GPL";
