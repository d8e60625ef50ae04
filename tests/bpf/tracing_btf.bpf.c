// BTF-typed tracing programs: fentry/fexit on do_unlinkat (arguments typed by the kernel's BTF,
// via BPF_PROG from bpf_tracing.h), a tp_btf program on sched_switch and an LSM hook that denies
// nothing. They need the kernel's BTF and a trampoline, so kernels built without them refuse to load
// these (the loader check lists that as an environment refusal).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct filename { const char *name; } __attribute__((preserve_access_index));
struct task_struct { int pid; } __attribute__((preserve_access_index));
struct file;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} hits SEC(".maps");

static __always_inline void hit(__u32 slot) {
  __u64 *v = bpf_map_lookup_elem(&hits, &slot);
  if (v) __sync_fetch_and_add(v, 1);
}

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink_enter, int dfd, struct filename *name) {
  hit(0);
  return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlink_exit, int dfd, struct filename *name, long ret) {
  if (ret == 0) hit(1);
  return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, _Bool preempt, struct task_struct *prev, struct task_struct *next) {
  if (next->pid == 0) hit(2);
  return 0;
}

SEC("lsm/file_open")
int BPF_PROG(allow_open, struct file *file) {
  hit(3);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
