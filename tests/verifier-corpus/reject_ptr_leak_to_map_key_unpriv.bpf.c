// Uses a stack slot holding a spilled pointer as a map key: the key bytes would expose the address.
// verdict: reject
// rule: pointer-leak
// expect: invalid read from stack R2 off -8+0 size 4
// mode: unprivileged
#include "common.h"

SEC("socket") __naked int leak_via_key(void) {
  asm volatile("*(u64 *)(r10 - 8) = r1; r2 = r10; r2 += -8; r1 = %[hash_8b] ll; call %[map_lookup_elem]; r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
