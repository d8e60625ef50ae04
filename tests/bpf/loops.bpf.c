// The three ways to loop: a `for` with a constant bound (clang keeps the loop; the verifier walks it),
// the bpf_loop() helper with a callback, and a data-dependent `while` bounded by a counter. Each is a
// socket filter that checksums the first bytes of the packet, so BPF_PROG_TEST_RUN gives a number.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define WINDOW 64

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 3);
  __type(key, __u32);
  __type(value, __u64);
} results SEC(".maps");

static __always_inline void store(__u32 slot, __u64 value) {
  bpf_map_update_elem(&results, &slot, &value, BPF_ANY);
}

SEC("socket")
int sum_for(struct __sk_buff *skb) {
  __u8 buf[WINDOW] = {};
  bpf_skb_load_bytes(skb, 0, buf, sizeof(buf));
  __u64 sum = 0;
#pragma clang loop unroll(disable)
  for (int i = 0; i < WINDOW; i++) sum = sum * 31 + buf[i];
  store(0, sum);
  return 0;
}

struct loop_ctx {
  __u8 buf[WINDOW];
  __u64 sum;
};

static long add_byte(__u32 index, struct loop_ctx *c) {
  if (index >= WINDOW) return 1; // stop
  c->sum = c->sum * 31 + c->buf[index];
  return 0;
}

SEC("socket")
int sum_bpf_loop(struct __sk_buff *skb) {
  struct loop_ctx c = {};
  bpf_skb_load_bytes(skb, 0, c.buf, sizeof(c.buf));
  bpf_loop(WINDOW, add_byte, &c, 0);
  store(1, c.sum);
  return 0;
}

SEC("socket")
int count_leading_zero_bytes(struct __sk_buff *skb) {
  __u8 buf[WINDOW] = {};
  bpf_skb_load_bytes(skb, 0, buf, sizeof(buf));
  __u32 i = 0;
  __u64 zeros = 0;
  while (i < WINDOW && buf[i & (WINDOW - 1)] == 0) {
    zeros++;
    i++;
  }
  store(2, zeros);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
