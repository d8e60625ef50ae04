// Two frames of 320 bytes each on one call chain: 640 bytes, over the 512-byte limit for the chain.
// verdict: reject
// rule: stack-depth
// expect: combined stack size of 2 calls is
#include "common.h"

static __noinline int fill(__u32 seed) {
  volatile __u8 buf[320];
  for (int i = 0; i < 320; i += 64) buf[i] = seed + i;
  return buf[seed & 255];
}

SEC("socket")
int big_frames(struct __sk_buff *skb) {
  volatile __u8 buf[320];
  for (int i = 0; i < 320; i += 64) buf[i] = skb->len + i;
  return fill(buf[skb->len & 127]);
}

char LICENSE[] SEC("license") = "GPL";
