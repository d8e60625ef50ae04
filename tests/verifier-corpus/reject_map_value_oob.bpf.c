// Reads 8 bytes at offset 8 of an 8-byte map value.
// verdict: reject
// rule: map-value-bounds
// expect: invalid access to map value, value_size=8 off=8 size=8
#include "common.h"

SEC("socket") __naked int value_past_end(void) {
  asm volatile("r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash_8b] ll;"
               "call %[map_lookup_elem]; if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 8); 1: r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
