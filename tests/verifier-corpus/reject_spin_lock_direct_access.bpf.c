// Reads the bpf_spin_lock field itself as data.
// verdict: reject
// rule: spin-lock
// expect: bpf_spin_lock cannot be accessed directly by load/store
#include "common.h"

struct locked { struct bpf_spin_lock lock; __u64 value; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct locked); } locks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct locked); } locks2 SEC(".maps");
static __always_inline __attribute__((unused)) struct locked *get(void *map) { __u32 k = 0; return bpf_map_lookup_elem(map, &k); }

SEC("tc") __naked int read_lock_word(void) {
  asm volatile("r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[locks] ll; call %[map_lookup_elem];"
               "if r0 == 0 goto 1f; r0 = *(u32 *)(r0 + 0); 1: r0 = 0; exit;"
               :: __imm_addr(locks), __helper(map_lookup_elem) : __clobber_all);
}

char LICENSE[] SEC("license") = "GPL";
