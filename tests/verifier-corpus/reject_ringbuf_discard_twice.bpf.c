// Discards the same ring buffer record twice.
// verdict: reject
// rule: reference-leak
// expect: R1 type=scalar expected=ringbuf_mem
#include "common.h"

SEC("socket") __naked int discard_twice(void) {
  asm volatile("r1 = %[ringbuf] ll; r2 = 8; r3 = 0; call %[ringbuf_reserve]; if r0 == 0 goto 1f;"
               "r6 = r0; r1 = r0; r2 = 0; call %[ringbuf_discard]; r1 = r6; r2 = 0; call %[ringbuf_discard]; 1: r0 = 0; exit;"
               :: __imm_addr(ringbuf), __helper(ringbuf_reserve), __helper(ringbuf_discard) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
