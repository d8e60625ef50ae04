// A kprobe copies a string argument with bpf_probe_read_kernel_str.
// verdict: accept
// rule: helpers
#include "common.h"

#include <linux/ptrace.h>
#include <bpf/bpf_tracing.h>

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(open_name, int dfd, const char *name) {
  char buf[32];
  long n = bpf_probe_read_user_str(buf, sizeof(buf), name);
  return n > 0 ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
