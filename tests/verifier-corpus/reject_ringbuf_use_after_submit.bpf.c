// Writes to a ring buffer record after submitting it: the pointer is dead once released.
// verdict: reject
// rule: reference-leak
// expect: R6 invalid mem access 'scalar'
#include "common.h"

SEC("socket") __naked int write_after_submit(void) {
  asm volatile("r1 = %[ringbuf] ll; r2 = 8; r3 = 0; call %[ringbuf_reserve]; if r0 == 0 goto 1f;"
               "r6 = r0; r1 = r0; r2 = 0; call %[ringbuf_submit]; r1 = 1; *(u64 *)(r6 + 0) = r1; 1: r0 = 0; exit;"
               :: __imm_addr(ringbuf), __helper(ringbuf_reserve), __helper(ringbuf_submit) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
