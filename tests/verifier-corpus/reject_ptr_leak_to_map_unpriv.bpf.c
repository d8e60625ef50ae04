// Stores the frame pointer into a map value, where user space could read the kernel address.
// verdict: reject
// rule: pointer-leak
// expect: leaks addr into map
// mode: unprivileged
#include "common.h"

SEC("socket") __naked int leak_fp(void) {
  asm volatile("r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash_8b] ll; call %[map_lookup_elem];"
               "if r0 == 0 goto 1f; *(u64 *)(r0 + 0) = r10; 1: r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
