// Reads .rodata configuration and updates .data / .bss globals.
// verdict: accept
// rule: helpers
#include "common.h"

const volatile __u32 limit = 100;
__u64 big_packets = 0;
__u64 generation = 3;

SEC("socket")
int globals(struct __sk_buff *skb) {
  if (skb->len > limit) __sync_fetch_and_add(&big_packets, 1);
  generation++;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
