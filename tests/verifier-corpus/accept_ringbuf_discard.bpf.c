// Reserve, then submit or discard depending on the packet: every path releases.
// verdict: accept
// rule: reference-leak
#include "common.h"

SEC("socket")
int reserve_discard(struct __sk_buff *skb) {
  __u64 *rec = bpf_ringbuf_reserve(&ringbuf, sizeof(*rec), 0);
  if (!rec) return 0;
  *rec = skb->len;
  if (skb->len > 100) bpf_ringbuf_discard(rec, 0);
  else bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
