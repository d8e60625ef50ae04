// bpf_ringbuf_output copies a stack record (no reference to track).
// verdict: accept
// rule: helpers
#include "common.h"

SEC("socket")
int ring_output(struct __sk_buff *skb) {
  __u64 rec[2] = {skb->len, skb->protocol};
  bpf_ringbuf_output(&ringbuf, rec, sizeof(rec), 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
