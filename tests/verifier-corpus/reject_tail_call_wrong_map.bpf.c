// bpf_tail_call through a hash map instead of a prog array.
// verdict: reject
// rule: helper-arg-type
// expect: expected prog array map for tail call
#include "common.h"

SEC("socket") __naked int tail_call_hash(void) {
  asm volatile("r2 = %[hash_8b] ll; r3 = 0; call %[tail_call]; r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(tail_call) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
