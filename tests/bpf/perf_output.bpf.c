// Classic perf buffer output (pre-ring-buffer tools): a tracepoint on sys_enter_execve sends the
// pid, uid and command to user space through a BPF_MAP_TYPE_PERF_EVENT_ARRAY, one record per exec,
// built on the stack and copied by bpf_perf_event_output.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sys_enter_execve_args {
  __u64 common;
  __s32 syscall_nr;
  __u32 pad;
  const char *filename;
  const char *const *argv;
  const char *const *envp;
};

struct exec_record {
  __u32 pid;
  __u32 uid;
  char comm[16];
  char filename[64];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} exec_events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int trace_execve(struct sys_enter_execve_args *ctx) {
  struct exec_record rec = {};
  rec.pid = bpf_get_current_pid_tgid() >> 32;
  rec.uid = (__u32)bpf_get_current_uid_gid();
  bpf_get_current_comm(rec.comm, sizeof(rec.comm));
  bpf_probe_read_user_str(rec.filename, sizeof(rec.filename), ctx->filename);
  bpf_perf_event_output(ctx, &exec_events, BPF_F_CURRENT_CPU, &rec, sizeof(rec));
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
