// A global function dereferences its pointer argument without a NULL check (global functions are verified alone: the pointer may be NULL).
// verdict: reject
// rule: null-deref
// expect: invalid mem access 'mem_or_null'
#include "common.h"

__noinline int first_word(__u32 *p) { return *p; }

SEC("socket")
int call_global(struct __sk_buff *skb) {
  __u32 x = skb->len;
  return first_word(&x);
}

char LICENSE[] SEC("license") = "GPL";
