// Kernel runtime fixture: emits numbered records to a ring buffer and a perf buffer, one per run
// (driven by BPF_PROG_TEST_RUN with repeat), so consumers can check order and loss.
// corpus: no-v4
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
  __u64 seq;
  __u32 pid;
  __u32 cpu;
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

__u64 ring_seq = 0;
__u64 ring_dropped = 0;
__u64 perf_seq = 0;

SEC("xdp")
int emit_ring(struct xdp_md *ctx) {
  struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    __sync_fetch_and_add(&ring_dropped, 1);
    return XDP_PASS;
  }
  e->seq = __sync_fetch_and_add(&ring_seq, 1);
  e->pid = bpf_get_current_pid_tgid() >> 32;
  e->cpu = bpf_get_smp_processor_id();
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}

SEC("xdp")
int emit_perf(struct xdp_md *ctx) {
  struct event e = {};
  e.seq = __sync_fetch_and_add(&perf_seq, 1);
  e.pid = bpf_get_current_pid_tgid() >> 32;
  e.cpu = bpf_get_smp_processor_id();
  bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &e, sizeof(e));
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
