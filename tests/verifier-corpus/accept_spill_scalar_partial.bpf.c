// Writes a 64-bit scalar to the stack, overwrites its low byte, reads it back whole.
// verdict: accept
// rule: spill
#include "common.h"

SEC("socket") __naked int partial_overwrite(void) {
  asm volatile("r1 = 0x1122334455667788 ll; *(u64 *)(r10 - 8) = r1; r2 = 0; *(u8 *)(r10 - 8) = r2;"
               "r0 = *(u64 *)(r10 - 8); r0 &= 1; exit;" ::: __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
