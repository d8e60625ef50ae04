// The key buffer is 2 bytes below the frame pointer but the hash map key is 4 bytes.
// verdict: reject
// rule: helper-arg-type
// expect: invalid read from stack R2 off=-2 size=4
#include "common.h"

SEC("socket") __naked int key_too_short(void) {
  asm volatile("r1 = 0; *(u16 *)(r10 - 2) = r1; r2 = r10; r2 += -2; r1 = %[hash_8b] ll; call %[map_lookup_elem]; r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
