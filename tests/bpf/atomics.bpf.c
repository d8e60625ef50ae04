// Every atomic operation on a map value, 32 and 64 bit: add/or/and/xor without fetch (all cpus),
// and with fetch, xchg and cmpxchg where the target cpu has them (-mcpu=v3 and later; the default
// cpu only has the non-fetching add). An XDP program applies them to a shared counter block, so
// BPF_PROG_TEST_RUN shows the results in the map. CORPUS_CPU comes from tests/bpf/build.sh.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counters {
  __u64 add64, or64, and64, xor64, xchg64, cmpxchg64;
  __u32 add32, or32, and32, xor32, xchg32, cmpxchg32;
  __u64 fetched; // sum of values returned by fetching operations
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct counters);
} block SEC(".maps");

SEC("xdp")
int atomic_ops(struct xdp_md *ctx) {
  __u32 zero = 0;
  struct counters *c = bpf_map_lookup_elem(&block, &zero);
  if (!c) return XDP_PASS;
  __u64 len = ctx->data_end - ctx->data;
  __sync_fetch_and_add(&c->add64, len);
  __sync_fetch_and_add(&c->add32, (__u32)len);
#if CORPUS_CPU >= 3 || __BPF_CPU_VERSION__ >= 3
  __sync_fetch_and_or(&c->or64, 1ULL << (len & 63));
  __sync_fetch_and_and(&c->and64, ~(1ULL << (len & 7)));
  __sync_fetch_and_xor(&c->xor64, len);
  __sync_fetch_and_or(&c->or32, 1U << (len & 31));
  __sync_fetch_and_and(&c->and32, ~(1U << (len & 7)));
  __sync_fetch_and_xor(&c->xor32, (__u32)len);
  __u64 fetched = 0;
  fetched += __sync_fetch_and_add(&c->add64, 1);
  fetched += __sync_fetch_and_or(&c->or64, 2);
  fetched += __sync_fetch_and_and(&c->and64, ~4ULL);
  fetched += __sync_fetch_and_xor(&c->xor64, 8);
  fetched += __sync_fetch_and_add(&c->add32, 1);
  fetched += __sync_lock_test_and_set(&c->xchg64, len);
  fetched += __sync_lock_test_and_set(&c->xchg32, (__u32)len);
  fetched += __sync_val_compare_and_swap(&c->cmpxchg64, 0, len);
  fetched += __sync_val_compare_and_swap(&c->cmpxchg32, 0, (__u32)len);
  c->fetched = fetched;
#endif
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
