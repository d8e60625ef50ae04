// cgroup_skb/egress may return 0..3 (drop/allow plus congestion notification); 4 is out of range.
// verdict: reject
// rule: return-range
// expect: should have been in [0, 3]
#include "common.h"

SEC("cgroup_skb/egress")
int egress_bad_ret(struct __sk_buff *skb) { return skb->len > 100 ? 4 : 1; }

char LICENSE[] SEC("license") = "GPL";
