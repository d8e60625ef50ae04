// bpf_map_lookup_elem with NULL as the key pointer.
// verdict: reject
// rule: helper-arg-type
// expect: R2 type=scalar expected=fp
#include "common.h"

SEC("socket") __naked int null_key(void) {
  asm volatile("r1 = %[hash_8b] ll; r2 = 0; call %[map_lookup_elem]; r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
