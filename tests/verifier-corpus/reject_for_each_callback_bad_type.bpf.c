// bpf_for_each_map_elem needs a callback function; it gets a number.
// verdict: reject
// rule: helper-arg-type
// expect: R2 type=scalar expected=func
#include "common.h"

SEC("socket") __naked int for_each_no_cb(void) {
  asm volatile("r1 = %[hash_8b] ll; r2 = 0; r3 = 0; r4 = 0; call %[for_each_map_elem]; r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(for_each_map_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
