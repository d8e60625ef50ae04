// A global function that checks its pointer argument for NULL first.
// verdict: accept
// rule: subprograms
#include "common.h"

__noinline int first_word_checked(__u32 *p) { return p ? *p : 0; }

SEC("socket")
int call_global_ok(struct __sk_buff *skb) {
  __u32 x = skb->len;
  return first_word_checked(&x) & 1;
}

char LICENSE[] SEC("license") = "GPL";
