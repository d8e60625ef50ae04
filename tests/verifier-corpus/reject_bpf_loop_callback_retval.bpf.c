// A bpf_loop callback must return 0 (continue) or 1 (stop); this one returns 2.
// verdict: reject
// rule: return-range
// expect: should have been in [0, 1]
#include "common.h"

static long bad_callback(__u32 index, void *ctx) { return 2; }

SEC("socket")
int loop_bad_cb(struct __sk_buff *skb) {
  bpf_loop(4, bad_callback, NULL, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
