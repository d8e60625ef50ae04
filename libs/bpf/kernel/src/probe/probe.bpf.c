// Tiny programs the capability probe loads and attaches one at a time to learn what this kernel
// allows. Compiled into generated/probe-object.ts by generate.sh.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 hits = 0;

SEC("tracepoint/syscalls/sys_enter_getpid")
int probe_tracepoint(void *ctx) { __sync_fetch_and_add(&hits, 1); return 0; }

SEC("raw_tracepoint/sys_enter")
int probe_raw_tp(void *ctx) { return 0; }

SEC("tp_btf/sys_enter")
int probe_tp_btf(void *ctx) { return 0; }

SEC("kprobe/do_sys_openat2")
int probe_kprobe(void *ctx) { return 0; }

SEC("uprobe")
int probe_uprobe(void *ctx) { return 0; }

SEC("perf_event")
int probe_perf_event(void *ctx) { return 0; }

SEC("xdp")
int probe_xdp(struct xdp_md *ctx) { return XDP_PASS; }

SEC("tc")
int probe_tc(struct __sk_buff *skb) { return 0; }

SEC("socket")
int probe_socket(struct __sk_buff *skb) { return skb->len; }

SEC("fentry/do_sys_openat2")
int probe_fentry(void *ctx) { return 0; }

SEC("lsm/file_open")
int probe_lsm(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
