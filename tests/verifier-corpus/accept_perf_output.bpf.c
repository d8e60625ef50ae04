// bpf_perf_event_output of a stack record from a socket filter.
// verdict: accept
// rule: helpers
#include "common.h"

struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } events SEC(".maps");

SEC("socket")
int perf_out(struct __sk_buff *skb) {
  __u64 rec = skb->len;
  bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &rec, sizeof(rec));
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
