// A function that calls itself.
// verdict: reject
// rule: call-depth
// expect: the call stack of 9 frames is too deep
// note: with CAP_BPF the CFG check allows the cycle and the call-depth limit stops it; without CAP_BPF (and before 5.3) the message is `back-edge from insn` / `recursive call`
#include "common.h"

static __naked __noinline __attribute__((used)) int self_call(void) {
  asm volatile("call self_call; r0 = 0; exit;" ::: __clobber_all);
}

SEC("socket") __naked int recurse(void) {
  asm volatile("call self_call; r0 = 0; exit;" ::: __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
