// Bytes read per process through vfs_read: a kprobe remembers the requested size, the kretprobe adds
// the return value (bytes actually read) to a per-CPU hash keyed by tgid. Uses BPF_KPROBE/BPF_KRETPROBE
// from bpf_tracing.h, so the arguments come out of struct pt_regs for the target architecture.
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct read_totals {
  __u64 calls;
  __u64 requested;
  __u64 returned;
  __u64 errors;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);  // pid_tgid
  __type(value, __u64); // requested count
} inflight SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32); // tgid
  __type(value, struct read_totals);
} reads_by_tgid SEC(".maps");

SEC("kprobe/vfs_read")
int BPF_KPROBE(vfs_read_entry, void *file, char *buf, __u64 count) {
  __u64 id = bpf_get_current_pid_tgid();
  bpf_map_update_elem(&inflight, &id, &count, BPF_ANY);
  return 0;
}

SEC("kretprobe/vfs_read")
int BPF_KRETPROBE(vfs_read_exit, long ret) {
  __u64 id = bpf_get_current_pid_tgid();
  __u64 *requested = bpf_map_lookup_elem(&inflight, &id);
  if (!requested) return 0;
  __u32 tgid = id >> 32;
  struct read_totals *t = bpf_map_lookup_elem(&reads_by_tgid, &tgid);
  if (!t) {
    struct read_totals zero = {};
    bpf_map_update_elem(&reads_by_tgid, &tgid, &zero, BPF_NOEXIST);
    t = bpf_map_lookup_elem(&reads_by_tgid, &tgid);
  }
  if (t) {
    t->calls++;
    t->requested += *requested;
    if (ret < 0) t->errors++;
    else t->returned += ret;
  }
  bpf_map_delete_elem(&inflight, &id);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
