// Indexes a 48-byte map value with a number from the packet that was never bounded.
// verdict: reject
// rule: map-value-bounds
// expect: unbounded memory access
#include "common.h"

SEC("socket") __naked int value_unbounded(void) {
  asm volatile("r6 = *(u32 *)(r1 + 0); r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[array_48b] ll;"
               "call %[map_lookup_elem]; if r0 == 0 goto 1f; r0 += r6; r0 = *(u8 *)(r0 + 0); 1: r0 = 0; exit;"
               :: __imm_addr(array_48b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
