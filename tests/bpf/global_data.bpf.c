// Global variables in all three sections: `.rodata` (const volatile configuration the loader patches
// before load, plus a constant table), `.data` (initialised counters) and `.bss` (zeroed state). An XDP
// program samples every Nth packet, remembers the last length and counts per verdict.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 sample_every = 4;        // .rodata, set by the loader
const volatile __u32 max_len = 1500;          // .rodata
const __u32 verdict_for_big[2] = {XDP_PASS, XDP_DROP}; // .rodata constant table

__u64 packets_seen = 0;                       // .bss (zero-initialised)
__u32 last_len;                               // .bss
__u64 verdict_counts[3] = {0, 0, 0};          // .bss
__u64 generation = 7;                         // .data (non-zero initialiser)
char tag[8] = "bpfleet";                      // .data

SEC("xdp")
int sample_packets(struct xdp_md *ctx) {
  __u32 len = ctx->data_end - ctx->data;
  __u64 n = __sync_fetch_and_add(&packets_seen, 1);
  if (sample_every && n % sample_every == 0) last_len = len;
  __u32 verdict = verdict_for_big[len > max_len];
  if (verdict < 3) verdict_counts[verdict]++;
  if (tag[0] != 'b') generation++;
  return verdict;
}

char LICENSE[] SEC("license") = "GPL";
