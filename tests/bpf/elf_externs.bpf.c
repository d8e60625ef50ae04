// ELF loader edge cases around externs and custom data sections: kfunc calls and a ksym variable
// (left for the loader that knows the kernel's BTF), a string literal in .rodata.str1.1, custom
// .bss.* / .data.* sections, a bpf_for_each_map_elem callback and a program with two subprograms.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map;

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern const int bpf_prog_active __ksym;

__u64 counts[4] SEC(".bss.counts");
int flag SEC(".data.flags") = 3;

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, int);
  __type(value, int);
} seen SEC(".maps");

static long count_one(struct bpf_map *map, int *key, int *val, void *ctx) {
  (*(int *)ctx)++;
  return 0;
}

static __attribute__((noinline)) int add_flag(int x) {
  return x + flag;
}

SEC("tp_btf/sched_switch")
int on_switch(void *ctx) {
  int n = 0;
  bpf_rcu_read_lock();
  bpf_for_each_map_elem(&seen, count_one, &n, 0);
  bpf_rcu_read_unlock();
  counts[n & 3]++;
  bpf_trace_printk("n=%d\n", sizeof("n=%d\n"), n);
  return add_flag(n) + (long)&bpf_prog_active;
}

char LICENSE[] SEC("license") = "GPL";
