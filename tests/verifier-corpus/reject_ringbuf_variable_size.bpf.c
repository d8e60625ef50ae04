// bpf_ringbuf_reserve needs a size known at verification time; this one comes from the packet.
// verdict: reject
// rule: helper-arg-type
// expect: R2 is not a known constant
#include "common.h"

SEC("socket") __naked int reserve_variable(void) {
  asm volatile("r2 = *(u32 *)(r1 + 0); r2 &= 63; r1 = %[ringbuf] ll; r3 = 0; call %[ringbuf_reserve];"
               "if r0 == 0 goto 1f; r1 = r0; r2 = 0; call %[ringbuf_submit]; 1: r0 = 0; exit;"
               :: __imm_addr(ringbuf), __helper(ringbuf_reserve), __helper(ringbuf_submit) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
