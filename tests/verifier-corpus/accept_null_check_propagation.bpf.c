// Copies the lookup result before the NULL check; the check on the original also makes the copy safe (same id).
// verdict: accept
// rule: null-deref
#include "common.h"

SEC("socket") __naked int null_check_copy(void) {
  asm volatile("r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash_8b] ll; call %[map_lookup_elem];"
               "r6 = r0; if r0 == 0 goto 1f; r0 = *(u64 *)(r6 + 0); 1: r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
