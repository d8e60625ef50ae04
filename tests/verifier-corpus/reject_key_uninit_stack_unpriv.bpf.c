// Passes an uninitialised stack slot as a map key.
// verdict: reject
// rule: uninit-stack
// expect: invalid read from stack R2 off=-8 size=4
// mode: unprivileged
#include "common.h"

SEC("socket") __naked int uninit_key(void) {
  asm volatile("r2 = r10; r2 += -8; r1 = %[hash_8b] ll; call %[map_lookup_elem]; r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
