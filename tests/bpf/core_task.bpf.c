// CO-RE field reads: on every exec (tracepoint sched/sched_process_exec) read the current task's pid,
// tgid, parent's tgid, start time, uid and command name with BPF_CORE_READ, so the same object works
// on any kernel whose task_struct layout differs. The kernel types are declared here with
// preserve_access_index instead of a generated vmlinux.h: only the fields we touch, offsets are
// relocated by libbpf against the running kernel's BTF. Also checks field existence.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct cred {
  struct { unsigned int val; } uid;
} __attribute__((preserve_access_index));

struct task_struct {
  int pid;
  int tgid;
  unsigned long long start_time;
  struct task_struct *real_parent;
  const struct cred *cred;
  char comm[16];
} __attribute__((preserve_access_index));

struct exec_event {
  int pid;
  int tgid;
  int ppid;
  unsigned int uid;
  unsigned long long start_time;
  char comm[16];
  int has_start_time;
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} execs SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int trace_exec(void *ctx) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct exec_event *e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
  if (!e) return 0;
  e->pid = BPF_CORE_READ(task, pid);
  e->tgid = BPF_CORE_READ(task, tgid);
  e->ppid = BPF_CORE_READ(task, real_parent, tgid);
  e->uid = BPF_CORE_READ(task, cred, uid.val);
  e->has_start_time = bpf_core_field_exists(task->start_time);
  e->start_time = e->has_start_time ? BPF_CORE_READ(task, start_time) : 0;
  BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
