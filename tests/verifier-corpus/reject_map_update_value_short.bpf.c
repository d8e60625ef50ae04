// bpf_map_update_elem reads value_size (8) bytes, but the value buffer is only the 4 bytes below the frame pointer.
// verdict: reject
// rule: helper-arg-type
// expect: invalid read from stack R3 off=-4 size=8
#include "common.h"

SEC("socket") __naked int short_value(void) {
  asm volatile("r1 = 0; *(u64 *)(r10 - 8) = r1; r2 = r10; r2 += -8; r3 = r10; r3 += -4; r4 = 0;"
               "r1 = %[hash_8b] ll; call %[map_update_elem]; r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_update_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
