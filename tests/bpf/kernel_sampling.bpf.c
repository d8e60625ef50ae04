// Kernel runtime fixture: perf_event sampling (counts samples per CPU), a uprobe, a kprobe and a
// tp_btf program; attach tests use whichever the kernel allows.
// corpus: no-v4
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} samples SEC(".maps");

__u64 uprobe_hits = 0;
__u64 kprobe_hits = 0;
__u64 tp_btf_hits = 0;

SEC("perf_event")
int on_sample(void *ctx) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&samples, &key);
  if (v) *v += 1;
  return 0;
}

SEC("uprobe")
int on_uprobe(void *ctx) {
  __sync_fetch_and_add(&uprobe_hits, 1);
  return 0;
}

SEC("kprobe")
int on_kprobe(void *ctx) {
  __sync_fetch_and_add(&kprobe_hits, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
