// Exercises the arithmetic of the instruction set for the disassembler tests: 32- and 64-bit ALU
// with register and immediate operands, shifts, byte order, 32-bit jumps, and with -mcpu=v4 the
// signed division/modulo, sign-extending moves and loads, and unconditional byte swaps.
// A socket filter and a tc program over packet fields and bytes, so the kernel loads every variant.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __s64);
} results SEC(".maps");

static __always_inline void put(__u32 key, __s64 value) {
  bpf_map_update_elem(&results, &key, &value, BPF_ANY);
}

SEC("socket")
int isa_alu(struct __sk_buff *skb) {
  __s64 len = skb->len;
  __s32 mark = (__s32)skb->mark;
  __u32 proto = skb->protocol;
  if (len == 0) return 0;
  __s64 a = len * 7 - 3;
  __s64 b = (len << 3) ^ (a >> 2);
  __u32 c = (__u32)a * 5 + proto;
  c = (c >> 3) | (c << 29);
  __s64 d = (b | 0x55) & ~(__s64)0xff00;
  d += (__s64)mark >> 4;
#if __BPF_CPU_VERSION__ >= 4
  // Signed division and modulo exist only in cpu v4 (sdiv/smod); older cpus refuse them.
  d -= (__s32)c / 3;
  d += a / (len | 1);
  d += b % 7;
#endif
  d += (__u64)b % 13; // unsigned modulo
  d += (__u64)a / (__u64)(len | 1); // unsigned division
  d += (__s8)proto + (__s16)c + (__s32)b; // sign-extending moves (movsx on v4)
  d += bpf_ntohs((__u16)proto) + bpf_htonl(c); // le/be (bswap on v4)
  d += __builtin_bswap64((__u64)b);
  d = -d;
  if ((__s32)c < -5) d ^= 1; // 32-bit signed jump
  if (c > 100) d |= 2; // 32-bit unsigned jump
  if ((__u32)mark & 4) d += 9; // jset
  put(0, d);
  put(1, a);
  put(2, (__s64)c);
  return 0;
}

SEC("tc")
int isa_loads(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  if (data + 16 > end) return 0;
  __s8 sb = *(__s8 *)data; // ldsx b on v4
  __s16 sh = *(__s16 *)(data + 2); // ldsx h
  __s32 sw = *(__s32 *)(data + 4); // ldsx w
  __u64 dw = *(__u64 *)(data + 8);
  __s64 sum = (__s64)sb + sh + sw + (__s64)(dw >> 1);
  put(3, sum);
  return sum > 0;
}

char LICENSE[] SEC("license") = "GPL";
