// Writes a const volatile global (.rodata, frozen by the loader before load).
// verdict: reject
// rule: map-value-bounds
// expect: write into map forbidden
#include "common.h"

const volatile __u32 threshold = 10;

SEC("socket") __naked int write_rodata(void) {
  asm volatile("r1 = %[threshold] ll; r2 = 5; *(u32 *)(r1 + 0) = r2; r0 = 0; exit;"
               :: __imm_addr(threshold) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
