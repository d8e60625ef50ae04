// A global function must return a scalar; this one returns its stack pointer.
// verdict: reject
// rule: return-range
// expect: At subprogram exit the register R0 is not a scalar value
#include "common.h"

__naked __noinline int returns_fp(void) { asm volatile("r0 = r10; exit;" ::: __clobber_all); }

SEC("socket")
int call_returns_fp(struct __sk_buff *skb) { return returns_fp() & 1; }

char LICENSE[] SEC("license") = "GPL";
