// raw_tp programs: arguments from `u64 args[]`, results to .bss.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 args_seen[12];
__u64 hist[8];

SEC("raw_tp/sys_enter")
int raw_args(struct bpf_raw_tracepoint_args *ctx) {
  for (int i = 0; i < 4; i++) args_seen[i] = ctx->args[i];
  __u64 v = ctx->args[1];
  int bucket = 0;
  while (v > 1 && bucket < 7) { v >>= 4; bucket++; }
  __sync_fetch_and_add(&hist[bucket], 1);
  return (int)(ctx->args[0] * 2 + 1);
}

char LICENSE[] SEC("license") = "GPL";
