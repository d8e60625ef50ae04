// Two frames of 256 bytes each: exactly the 512-byte limit for a call chain.
// verdict: accept
// rule: stack-depth
#include "common.h"

static __noinline int fill(__u32 seed) {
  volatile __u8 buf[256];
  for (int i = 0; i < 256; i += 64) buf[i] = seed + i;
  return buf[seed & 255];
}

SEC("socket")
int frames_at_limit(struct __sk_buff *skb) {
  volatile __u8 buf[248];
  for (int i = 0; i < 248; i += 62) buf[i] = skb->len + i;
  return fill(buf[skb->len & 127]);
}

char LICENSE[] SEC("license") = "GPL";
