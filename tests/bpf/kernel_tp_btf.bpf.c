// Kernel runtime fixture: a BTF-enabled tracepoint (tracing program type; needs kernel BTF and may be
// refused where tracing programs are).
// corpus: no-v4
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 hits = 0;

SEC("tp_btf/sys_enter")
int on_sys_enter(void *ctx) {
  __sync_fetch_and_add(&hits, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
