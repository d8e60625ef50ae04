// Instruction forms clang rarely picks on its own, written as inline assembly so the disassembler
// tests see them in a real clang object: every 32-bit jump condition with immediate and register,
// le16/32/64, 32-bit register and/mod, `r -= imm`, legacy byte loads by register, and with -mcpu=v4
// signed modulo by register and immediate and `gotol`. All on scalars, so the verifier accepts it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int isa_forms(struct __sk_buff *skb) {
  __u64 out = 0;
#if __BPF_CPU_VERSION__ >= 3
  asm volatile(
      "r6 = %[ctx]\n"
      "r2 = 3\n"
      "r0 = *(u8 *)skb[r2]\n" // like a helper call: clobbers r1-r5
      "r1 = 7\n"
      "r2 = 3\n"
      "w3 = 9\n"
      "w4 = 2\n"
      "r1 -= 1\n"
      "w3 -= 1\n"
      "w3 &= w4\n"
      "w3 %%= w4\n"
      "r1 = le16 r1\n"
      "r1 = le32 r1\n"
      "r1 = le64 r1\n"
      "if r1 == r2 goto +0\n"
      "if w3 == w4 goto +0\n"
      "if r1 >= 2 goto +0\n"
      "if w3 >= 2 goto +0\n"
      "if r1 & 2 goto +0\n"
      "if w3 & 2 goto +0\n"
      "if r1 & r2 goto +0\n"
      "if w3 & w4 goto +0\n"
      "if w3 s> 1 goto +0\n"
      "if w3 s> w4 goto +0\n"
      "if r1 s>= 1 goto +0\n"
      "if w3 s>= 1 goto +0\n"
      "if r1 <= 9 goto +0\n"
      "if w3 <= 9 goto +0\n"
      "if r1 s<= 9 goto +0\n"
      "if w3 s<= 9 goto +0\n"
      "if r1 s<= r2 goto +0\n"
      "if w3 s<= w4 goto +0\n"
#if __BPF_CPU_VERSION__ >= 4
      "w3 s%%= 5\n"
      "w3 s%%= w4\n"
      "r1 s%%= r2\n"
      "gotol +0\n"
#endif
      "%[out] = r1\n"
      : [out] "=r"(out)
      : [ctx] "r"(skb)
      : "r0", "r1", "r2", "r3", "r4", "r5", "r6");
#endif
  return out & 1;
}

char LICENSE[] SEC("license") = "GPL";
