// bpf_snprintf with a constant format string in .rodata.
// verdict: accept
// rule: helpers
#include "common.h"

SEC("kprobe/do_nanosleep")
int fmt(void *ctx) {
  char out[32];
  __u64 args[2] = {bpf_get_current_pid_tgid() >> 32, bpf_ktime_get_ns()};
  static const char f[] = "pid %d at %llu";
  bpf_snprintf(out, sizeof(out), f, args, sizeof(args));
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
