// ALU edge cases for the VM's differential tests against the kernel: every operator on operands the
// compiler cannot see (they come from the test packet), division and modulo by zero, shifts by
// the width and beyond, sign extension, byte swaps. Results go to a .bss array the test compares.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct args { __u64 a; __u64 b; };

// Operands travel in the test packet after a 14-byte pseudo Ethernet header, so the kernel's
// BPF_PROG_TEST_RUN (xdp) can feed them; the compiler cannot constant-fold them.
#define ARGS(xdp)                                                         \
  struct args *ctx = (void *)(long)(xdp)->data + 14;                      \
  if ((void *)(ctx + 1) > (void *)(long)(xdp)->data_end) return XDP_ABORTED

__u64 out[40];

SEC("xdp")
int alu64(struct xdp_md *xdp) {
  ARGS(xdp);
  __u64 a = ctx->a, b = ctx->b;
  out[0] = a + b;
  out[1] = a - b;
  out[2] = a * b;
  out[3] = a / b;           // div by 0 gives 0
  out[4] = a % b;           // mod by 0 keeps a
  out[5] = a & b;
  out[6] = a | b;
  out[7] = a ^ b;
  out[8] = a << (b & 63);
  out[9] = a >> (b & 63);
  out[10] = (__s64)a >> (b & 63);
  out[11] = -a;
  out[12] = ~a;
  out[13] = a < b;
  out[14] = (__s64)a < (__s64)b;
  out[15] = a >= b;
  out[16] = (__s64)a >= (__s64)b;
  out[17] = (a & b) != 0;
  out[18] = a * 0x9e3779b97f4a7c15ULL;
  out[19] = a / 7;
  out[20] = a % 1000003;
  return (int)(a ^ b);
}

SEC("xdp")
int alu32(struct xdp_md *xdp) {
  ARGS(xdp);
  __u32 a = ctx->a, b = ctx->b;
  out[0] = a + b;
  out[1] = a - b;
  out[2] = a * b;
  out[3] = a / b;
  out[4] = a % b;
  out[5] = a & b;
  out[6] = a | b;
  out[7] = a ^ b;
  out[8] = a << (b & 31);
  out[9] = a >> (b & 31);
  out[10] = (__s32)a >> (b & 31);
  out[11] = (__u32)-a;
  out[12] = (__u32)~a;
  out[13] = a < b;
  out[14] = (__s32)a < (__s32)b;
  out[15] = a * 0x9e3779b9u;
  out[16] = a / 7;
  out[17] = a % 1000003;
  return (int)(a + b);
}

// Shift amounts straight from the context: the instruction masks them (64-bit by 63, 32-bit by 31).
SEC("xdp")
int shifts(struct xdp_md *xdp) {
  ARGS(xdp);
  __u64 a = ctx->a, n = ctx->b;
  __u32 a32 = ctx->a, n32 = ctx->b;
  asm volatile("%[r] <<= %[n]" : [r] "+r"(a) : [n] "r"(n));
  out[0] = a;
  a = ctx->a;
  asm volatile("%[r] >>= %[n]" : [r] "+r"(a) : [n] "r"(n));
  out[1] = a;
  a = ctx->a;
  asm volatile("%[r] s>>= %[n]" : [r] "+r"(a) : [n] "r"(n));
  out[2] = a;
  // 32-bit: plain C shifts by an unknown amount compile to the raw w-register shift.
  out[3] = (__u32)(a32 << n32);
  out[4] = (__u32)(a32 >> n32);
  a32 = (__u32)((__s32)a32 >> n32);
  out[5] = a32;
  return 0;
}

SEC("xdp")
int extend(struct xdp_md *xdp) {
  ARGS(xdp);
  __u64 a = ctx->a;
  out[0] = (__s64)(__s8)a;
  out[1] = (__s64)(__s16)a;
  out[2] = (__s64)(__s32)a;
  out[3] = (__u64)(__u8)a;
  out[4] = (__u64)(__u16)a;
  out[5] = (__u64)(__u32)a;
  out[6] = (__u32)(__s32)(__s8)a;
  out[7] = (__u32)(__s32)(__s16)a;
  out[8] = __builtin_bswap16(a);
  out[9] = __builtin_bswap32(a);
  out[10] = __builtin_bswap64(a);
  out[11] = bpf_htons(a);
  out[12] = bpf_htonl(a);
  out[13] = bpf_cpu_to_be64(a);
  return (__s8)a;
}

#if CORPUS_CPU >= 4
// Signed division and modulo need cpu v4 (sdiv/smod).
SEC("xdp")
int sdiv(struct xdp_md *xdp) {
  ARGS(xdp);
  __s64 a = ctx->a, b = ctx->b;
  __s32 a32 = ctx->a, b32 = ctx->b;
  out[0] = a / b;
  out[1] = a % b;
  out[2] = (__u32)(a32 / b32);
  out[3] = (__u32)(a32 % b32);
  out[4] = a / -7;
  out[5] = a % -7;
  return 0;
}
#endif

char LICENSE[] SEC("license") = "GPL";
