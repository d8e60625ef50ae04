// On-CPU sampler: attached to a perf event (e.g. cpu-clock at 99 Hz), counts samples per (tgid, cpu)
// and remembers the last sample period the kernel reported in the perf event context.
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>

struct sample_key {
  __u32 tgid;
  __u32 cpu;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct sample_key);
  __type(value, __u64);
} samples SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} last_period SEC(".maps");

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx) {
  struct sample_key key = {
      .tgid = bpf_get_current_pid_tgid() >> 32,
      .cpu = bpf_get_smp_processor_id(),
  };
  __u64 one = 1;
  __u64 *count = bpf_map_lookup_elem(&samples, &key);
  if (count) __sync_fetch_and_add(count, 1);
  else bpf_map_update_elem(&samples, &key, &one, BPF_NOEXIST);

  __u32 zero = 0;
  __u64 *period = bpf_map_lookup_elem(&last_period, &zero);
  if (period) *period = ctx->sample_period;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
