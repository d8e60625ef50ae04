// bpf_map_push_elem on a hash map (only queue and stack maps have push).
// verdict: reject
// rule: helper-arg-type
// expect: cannot pass map_type 1 into func bpf_map_push_elem#87
#include "common.h"

SEC("socket") __naked int push_hash(void) {
  asm volatile("r1 = 0; *(u64 *)(r10 - 8) = r1; r2 = r10; r2 += -8; r1 = %[hash_8b] ll; r3 = 0; call %[map_push_elem]; r0 = 0; exit;"
               :: __imm_addr(hash_8b), __helper(map_push_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
