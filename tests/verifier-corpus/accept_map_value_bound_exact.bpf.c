// The last 8 bytes of a 48-byte value reached through a checked variable offset (index < 41).
// verdict: accept
// rule: map-value-bounds
#include "common.h"

SEC("socket") __naked int value_bound_exact(void) {
  asm volatile("r6 = *(u32 *)(r1 + 0); r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[array_48b] ll;"
               "call %[map_lookup_elem]; if r0 == 0 goto 1f; if r6 > 40 goto 1f; r0 += r6; r0 = *(u64 *)(r0 + 0); 1: r0 = 0; exit;"
               :: __imm_addr(array_48b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
