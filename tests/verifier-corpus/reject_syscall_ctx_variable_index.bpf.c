// A syscall program indexes its context with a loop variable: ctx accesses need constant offsets.
// verdict: reject
// rule: ctx-access
// expect: dereference of modified ctx ptr
#include "common.h"

struct args { __u32 count; __u32 pad; __u64 values[8]; };

SEC("syscall")
int sum_ctx(struct args *a) {
  __u64 total = 0;
  __u32 count = a->count;
  if (count > 8) count = 8;
  for (__u32 i = 0; i < 8; i++) {
    if (i >= count) break;
    total += a->values[i];
  }
  return total;
}

char LICENSE[] SEC("license") = "GPL";
