// Nine frames: the main program plus 8 nested callees; the limit is 8 frames.
// verdict: reject
// rule: call-depth
// expect: the call stack of 9 frames is too deep
#include "common.h"

static __noinline int f8(int x) { return x * 2; }
static __noinline int f7(int x) { return f8(x + 1) + 1; }
static __noinline int f6(int x) { return f7(x + 1) + 1; }
static __noinline int f5(int x) { return f6(x + 1) + 1; }
static __noinline int f4(int x) { return f5(x + 1) + 1; }
static __noinline int f3(int x) { return f4(x + 1) + 1; }
static __noinline int f2(int x) { return f3(x + 1) + 1; }
static __noinline int f1(int x) { return f2(x + 1) + 1; }

SEC("socket")
int deep_calls(struct __sk_buff *skb) { return f1(skb->len); }

char LICENSE[] SEC("license") = "GPL";
