// ELF loader edge cases: map-in-map with initial values, a prog array initialised with programs,
// pinning/flags/numa_node, a .kconfig extern, static and global subprograms, a bpf_loop callback,
// string literals (.rodata.str1.1), a custom .data.* section, two programs in one section, `?` and
// sleepable section names.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, __u32);
  __array(values, struct inner);
} outer SEC(".maps") = {
    .values = {[0] = &inner_a, [1] = &inner_b},
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 128);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
  __uint(numa_node, 0);
  __type(key, __u64);
  __type(value, struct { __u32 count; char comm[16]; });
} pinned_hash SEC(".maps");

int tail_target(struct xdp_md *ctx);

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __array(values, int(struct xdp_md *));
} jump SEC(".maps") = {
    .values = {[0] = (void *)&tail_target},
};

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig __weak;

__u32 custom_counter SEC(".data.custom") = 7;

static __attribute__((noinline)) __u64 twice(__u64 x) {
  return x * 2;
}

__attribute__((noinline)) int global_helper(__u32 v) {
  return v + 1;
}

static long loop_body(__u32 index, void *ctx) {
  __u64 *sum = ctx;
  *sum += index;
  return 0;
}

SEC("xdp")
int tail_target(struct xdp_md *ctx) {
  return XDP_PASS;
}

SEC("xdp")
int uses_everything(struct xdp_md *ctx) {
  __u32 key = 0;
  void *inner = bpf_map_lookup_elem(&outer, &key);
  __u64 sum = 0;
  bpf_loop(4, loop_body, &sum, 0);
  bpf_printk("sum %llu kernel %u hz %d", sum, LINUX_KERNEL_VERSION, CONFIG_HZ);
  custom_counter += twice(sum) + global_helper(key);
  bpf_tail_call(ctx, &jump, 0);
  return inner ? XDP_PASS : XDP_DROP;
}

SEC("?tc")
int optional_tc(struct __sk_buff *skb) {
  __u64 k = skb->len;
  bpf_map_delete_elem(&pinned_hash, &k);
  return twice(k) > 10;
}

SEC("fentry.s/do_sys_openat2")
int sleepy(void *ctx) {
  return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
