// bpf_perf_event_output into an array map instead of a perf event array.
// verdict: reject
// rule: helper-arg-type
// expect: cannot pass map_type 2 into func bpf_perf_event_output#25
#include "common.h"

SEC("socket") __naked int perf_into_array(void) {
  asm volatile("r4 = 0; *(u64 *)(r10 - 8) = r4; r4 = r10; r4 += -8; r2 = %[array_48b] ll;"
               "r3 = 0xffffffff ll; r5 = 8; call %[perf_event_output]; r0 = 0; exit;"
               :: __imm_addr(array_48b), __helper(perf_event_output) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
