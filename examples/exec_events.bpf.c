// exec_events: one event per successful execve, sent to a ring buffer. Attach: tracepoint
// sched/sched_process_exec. Event layout (struct exec_event): timestamp, pid, uid and comm;
// the agent drains `events` and forwards them as app events; `exec_count` keeps a __u64 total.
//   bpfleet query exec_events --map exec_count --agg rate
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16

struct exec_event {
  __u64 timestamp_ns;
  __u32 pid;
  __u32 uid;
  char comm[TASK_COMM_LEN];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} exec_count SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx) {
  __u32 zero = 0;
  __u64 *total = bpf_map_lookup_elem(&exec_count, &zero);
  if (total) __sync_fetch_and_add(total, 1);

  struct exec_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
  if (!event) return 0; // ring full: the counter above still saw it
  event->timestamp_ns = bpf_ktime_get_ns();
  event->pid = bpf_get_current_pid_tgid() >> 32;
  event->uid = (__u32)bpf_get_current_uid_gid();
  bpf_get_current_comm(&event->comm, sizeof(event->comm));
  bpf_ringbuf_submit(event, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
