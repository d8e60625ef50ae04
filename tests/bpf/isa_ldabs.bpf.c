// Legacy packet loads (BPF_LD | BPF_ABS / BPF_IND) as socket filters use them: ld_abs and ld_ind
// of bytes, half words and words, for the disassembler tests.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

SEC("socket")
int isa_ldabs(struct __sk_buff *skb) {
  __u64 proto = load_half(skb, 12);
  if (proto != 0x0800) return 0;
  __u64 ihl = (load_byte(skb, 14) & 0x0f) * 4;
  __u64 ports = load_word(skb, 14 + ihl); // ld_ind: the offset is in a register
  __u64 dport = load_half(skb, 16 + ihl);
  return (ports >> 16) == 53 || dport == 53 ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
