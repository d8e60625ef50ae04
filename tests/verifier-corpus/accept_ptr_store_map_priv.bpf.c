// Root may store a pointer into a map value (it becomes readable as a number).
// verdict: accept
// rule: pointer-leak
// note: rejected in unprivileged mode: see reject_ptr_leak_to_map_unpriv
#include "common.h"

SEC("socket") __naked int store_fp(void) {
  asm volatile("r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash_8b] ll; call %[map_lookup_elem];"
               "if r0 == 0 goto 1f; *(u64 *)(r0 + 0) = r10; 1: r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
