// Exactly 8 frames: the main program and 7 nested callees.
// verdict: accept
// rule: call-depth
#include "common.h"

static __noinline int f7(int x) { return x * 2; }
static __noinline int f6(int x) { return f7(x + 1) + 1; }
static __noinline int f5(int x) { return f6(x + 1) + 1; }
static __noinline int f4(int x) { return f5(x + 1) + 1; }
static __noinline int f3(int x) { return f4(x + 1) + 1; }
static __noinline int f2(int x) { return f3(x + 1) + 1; }
static __noinline int f1(int x) { return f2(x + 1) + 1; }

SEC("socket")
int deep_calls_ok(struct __sk_buff *skb) { return f1(skb->len); }

char LICENSE[] SEC("license") = "GPL";
