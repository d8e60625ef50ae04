// Reserves a ring buffer record and returns on one path without submitting or discarding it.
// verdict: reject
// rule: reference-leak
// expect: Unreleased reference id=
#include "common.h"

SEC("socket")
int reserve_and_forget(struct __sk_buff *skb) {
  __u64 *rec = bpf_ringbuf_reserve(&ringbuf, sizeof(*rec), 0);
  if (!rec) return 0;
  *rec = skb->len;
  if (skb->len > 100) return 0; /* leaks the reservation */
  bpf_ringbuf_submit(rec, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
