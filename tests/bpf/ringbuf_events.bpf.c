// Process-exit events through a BPF ring buffer: reserve a record, fill it, and submit it, or discard
// it when the exit is uninteresting (exit code 0 and `only_failures` set). Tracepoint
// sched/sched_process_exit; the exit code is not in the tracepoint, so the record carries the
// tracepoint's pid and prio and a running sequence number from .bss.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sched_process_exit_args {
  __u64 common;
  char comm[16];
  __s32 pid;
  __s32 prio;
};

struct exit_event {
  __u64 seq;
  __u64 ts_ns;
  __s32 pid;
  __s32 prio;
  char comm[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 128 * 1024);
} exits SEC(".maps");

const volatile __s32 min_prio = 0;
__u64 sequence;
__u64 dropped;

SEC("tracepoint/sched/sched_process_exit")
int on_exit(struct sched_process_exit_args *ctx) {
  struct exit_event *e = bpf_ringbuf_reserve(&exits, sizeof(*e), 0);
  if (!e) {
    __sync_fetch_and_add(&dropped, 1);
    return 0;
  }
  e->pid = ctx->pid;
  e->prio = ctx->prio;
  if (e->prio < min_prio) {
    bpf_ringbuf_discard(e, 0);
    return 0;
  }
  e->seq = __sync_fetch_and_add(&sequence, 1);
  e->ts_ns = bpf_ktime_get_ns();
  bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), ctx->comm);
  bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
