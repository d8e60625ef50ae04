// Reserve, fill, submit.
// verdict: accept
// rule: reference-leak
#include "common.h"

SEC("socket")
int reserve_submit(struct __sk_buff *skb) {
  __u64 *rec = bpf_ringbuf_reserve(&ringbuf, sizeof(*rec), 0);
  if (!rec) return 0;
  *rec = skb->len;
  bpf_ringbuf_submit(rec, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
