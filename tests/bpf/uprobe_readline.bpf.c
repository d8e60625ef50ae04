// bashreadline: a uretprobe on bash's readline() copies each entered command line (user memory) into a
// ring buffer record together with the pid, and a uprobe counts calls. The program type is kprobe.
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define MAX_LINE 80

struct line_event {
  __u32 pid;
  char line[MAX_LINE];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 * 1024);
} lines SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} readline_calls SEC(".maps");

SEC("uprobe//bin/bash:readline")
int BPF_KPROBE(readline_entry, const char *prompt) {
  __u32 key = 0;
  __u64 *calls = bpf_map_lookup_elem(&readline_calls, &key);
  if (calls) __sync_fetch_and_add(calls, 1);
  return 0;
}

SEC("uretprobe//bin/bash:readline")
int BPF_KRETPROBE(readline_return, const char *ret) {
  if (!ret) return 0;
  struct line_event *e = bpf_ringbuf_reserve(&lines, sizeof(*e), 0);
  if (!e) return 0;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  if (bpf_probe_read_user_str(e->line, sizeof(e->line), ret) < 0) {
    bpf_ringbuf_discard(e, 0);
    return 0;
  }
  bpf_ringbuf_submit(e, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
