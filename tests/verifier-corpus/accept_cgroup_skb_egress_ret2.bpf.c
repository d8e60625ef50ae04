// cgroup_skb/egress may return 2 (drop with congestion notification).
// verdict: accept
// rule: return-range
#include "common.h"

SEC("cgroup_skb/egress")
int egress_cn(struct __sk_buff *skb) { return skb->len > 1400 ? 2 : 1; }

char LICENSE[] SEC("license") = "GPL";
