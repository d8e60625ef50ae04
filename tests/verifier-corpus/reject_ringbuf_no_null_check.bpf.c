// Submits a ring buffer reservation without checking that the reservation succeeded.
// verdict: reject
// rule: null-deref
// expect: R1 type=ringbuf_mem_or_null expected=ringbuf_mem
#include "common.h"

SEC("socket") __naked int submit_unchecked(void) {
  asm volatile("r1 = %[ringbuf] ll; r2 = 8; r3 = 0; call %[ringbuf_reserve];"
               "r1 = r0; r2 = 0; call %[ringbuf_submit]; r0 = 0; exit;"
               :: __imm_addr(ringbuf), __helper(ringbuf_reserve), __helper(ringbuf_submit) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
