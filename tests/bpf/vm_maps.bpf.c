// Map semantics for the VM's differential tests: flags and errnos of every update path, per-CPU
// values, queue/stack, bpf_loop and for_each_map_elem callbacks, ring buffer accounting, bpf-to-bpf
// calls and tail calls. Each program records helper results in `res` so errnos are compared too.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct args { __u64 a; __u64 b; };

// Operands travel in the test packet after a 14-byte pseudo Ethernet header, so the kernel's
// BPF_PROG_TEST_RUN (xdp) can feed them; the compiler cannot constant-fold them.
#define ARGS(xdp)                                                         \
  struct args *ctx = (void *)(long)(xdp)->data + 14;                      \
  if ((void *)(ctx + 1) > (void *)(long)(xdp)->data_end) return XDP_ABORTED

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} small_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} arr SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 8);
  __type(key, __u64);
  __type(value, __u32);
} pcpu_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} lru SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 4);
  __type(value, __u32);
} fifo SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK);
  __uint(max_entries, 4);
  __type(value, __u32);
} lifo SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} jump SEC(".maps");

__s64 res[32];
const volatile __u64 factor = 3;

SEC("xdp")
int hash_errnos(struct xdp_md *xdp) {
  ARGS(xdp);
  __u32 k = ctx->a;
  __u64 v = ctx->b;
  res[0] = bpf_map_update_elem(&small_hash, &k, &v, BPF_EXIST);
  res[1] = bpf_map_update_elem(&small_hash, &k, &v, BPF_NOEXIST);
  res[2] = bpf_map_update_elem(&small_hash, &k, &v, BPF_NOEXIST);
  v++;
  res[3] = bpf_map_update_elem(&small_hash, &k, &v, BPF_EXIST);
  res[4] = bpf_map_update_elem(&small_hash, &k, &v, 7);
  #pragma unroll
  for (int j = 0; j < 6; j++) {
    __u32 key = 100 + j;
    res[5 + j] = bpf_map_update_elem(&small_hash, &key, &v, BPF_ANY);
  }
  __u32 missing = 999;
  res[11] = bpf_map_delete_elem(&small_hash, &missing);
  __u32 first = 100;
  res[12] = bpf_map_delete_elem(&small_hash, &first);
  res[13] = bpf_map_update_elem(&small_hash, &missing, &v, BPF_ANY);
  __u64 *p = bpf_map_lookup_elem(&small_hash, &k);
  res[14] = p ? *p : -1;
  return 0;
}

SEC("xdp")
int array_errnos(struct xdp_md *xdp) {
  ARGS(xdp);
  __u32 k = ctx->a;
  __u64 v = ctx->b * factor;
  res[0] = bpf_map_update_elem(&arr, &k, &v, BPF_ANY);
  res[1] = bpf_map_update_elem(&arr, &k, &v, BPF_NOEXIST);
  res[2] = bpf_map_update_elem(&arr, &k, &v, BPF_EXIST);
  res[3] = bpf_map_delete_elem(&arr, &k);
  __u32 big = 8;
  res[4] = bpf_map_update_elem(&arr, &big, &v, BPF_ANY);
  res[5] = bpf_map_lookup_elem(&arr, &big) == 0;
  for (__u32 i = 0; i < 8; i++) {
    __u32 key = i;
    __u64 *p = bpf_map_lookup_elem(&arr, &key);
    if (p) *p += i * i;
  }
  return 0;
}

SEC("xdp")
int percpu(struct xdp_md *xdp) {
  ARGS(xdp);
  __u64 k = ctx->a;
  __u32 v = ctx->b;
  res[0] = bpf_map_update_elem(&pcpu_hash, &k, &v, BPF_ANY);
  __u32 *p = bpf_map_lookup_elem(&pcpu_hash, &k);
  if (p) *p += 10;
  k++;
  res[1] = bpf_map_update_elem(&pcpu_hash, &k, &v, BPF_NOEXIST);
  res[2] = bpf_get_smp_processor_id() < 64;
  return 0;
}

SEC("xdp")
int loop_updates(struct xdp_md *xdp) {
  ARGS(xdp);
  __u64 n = ctx->a & 31;
  for (__u32 i = 0; i < n; i++) {
    __u32 key = i % 5;
    __u64 *p = bpf_map_lookup_elem(&lru, &key);
    if (p) {
      *p += i;
    } else {
      __u64 init = i + 1000;
      bpf_map_update_elem(&lru, &key, &init, BPF_NOEXIST);
    }
  }
  return n;
}

SEC("xdp")
int queues(struct xdp_md *xdp) {
  ARGS(xdp);
  __u32 v;
  for (__u32 i = 0; i < 5; i++) {
    v = ctx->a + i;
    res[i] = bpf_map_push_elem(&fifo, &v, 0);
    res[5 + i] = bpf_map_push_elem(&lifo, &v, 0);
  }
  v = 77;
  res[10] = bpf_map_push_elem(&fifo, &v, BPF_EXIST);
  __u32 got = 0;
  res[11] = bpf_map_pop_elem(&fifo, &got);
  res[12] = got;
  res[13] = bpf_map_peek_elem(&lifo, &got);
  res[14] = got;
  res[15] = bpf_map_pop_elem(&lifo, &got);
  res[16] = got;
  for (int i = 0; i < 5; i++) res[17 + i] = bpf_map_pop_elem(&lifo, &got) * 1000 + got;
  return 0;
}

struct loop_ctx { __u64 limit; };
// The accumulator lives in .bss, not in the callback context: the verifier then does not track it
// precisely, so it verifies the callback once instead of once per distinct sum.
__u64 acc;

static long loop_body(__u32 i, struct loop_ctx *c) {
  acc += i * i;
  return acc > c->limit;
}

static long sum_elem(struct bpf_map *map, __u32 *key, __u64 *val, struct loop_ctx *c) {
  acc += *val + *key;
  return 0;
}

SEC("xdp")
int callbacks(struct xdp_md *xdp) {
  ARGS(xdp);
  struct loop_ctx c = { ctx->b };
  acc = 0;
  res[0] = bpf_loop(ctx->a, loop_body, &c, 0);
  res[1] = acc;
  res[2] = bpf_loop(1 << 24, loop_body, &c, 0);
  res[3] = bpf_loop(2, loop_body, &c, 1);
  for (__u32 i = 0; i < 8; i++) {
    __u32 key = i; // a copy: taking i's address would spill it and hide its bound from the verifier
    __u64 v = i * 10 + ctx->a;
    bpf_map_update_elem(&arr, &key, &v, BPF_ANY);
  }
  acc = 0;
  res[4] = bpf_for_each_map_elem(&arr, sum_elem, &c, 0);
  res[5] = acc;
  return 0;
}

struct event { __u64 a; __u64 b; };

SEC("xdp")
int ringbuf(struct xdp_md *xdp) {
  ARGS(xdp);
  struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (e) { e->a = ctx->a; e->b = ctx->b; bpf_ringbuf_submit(e, 0); }
  res[0] = e != 0;
  e = bpf_ringbuf_reserve(&events, 100, 0);
  if (e) bpf_ringbuf_discard(e, 0);
  res[1] = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  res[2] = bpf_ringbuf_query(&events, BPF_RB_PROD_POS);
  struct args copy = *ctx; // ringbuf_output may not read the packet directly
  res[3] = bpf_ringbuf_output(&events, &copy, sizeof(copy), 0);
  res[4] = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  void *big = bpf_ringbuf_reserve(&events, 8000, 0); // larger than the ring: NULL
  res[5] = big == 0;
  if (big) bpf_ringbuf_discard(big, 0);
  return 0;
}

static __noinline __u64 mix(__u64 a, __u64 b) {
  __u64 buf[4] = { a, b, a ^ b, a + b };
  __u64 h = 14695981039346656037ULL;
  for (int i = 0; i < 4; i++) h = (h ^ buf[i]) * 1099511628211ULL;
  return h;
}

static __noinline __u64 twice(__u64 a, __u64 b) {
  return mix(a, b) + mix(b, a);
}

SEC("xdp")
int calls(struct xdp_md *xdp) {
  ARGS(xdp);
  res[0] = mix(ctx->a, ctx->b);
  res[1] = twice(ctx->a, ctx->b);
  return res[1] & 0xff;
}

SEC("xdp")
int tail_target(struct xdp_md *ctx) {
  res[20] += 1;
  return XDP_TX;
}

SEC("xdp")
int tail_entry(struct xdp_md *ctx) {
  res[21] += 1;
  bpf_tail_call(ctx, &jump, 2);
  bpf_tail_call(ctx, &jump, 3);
  res[22] += 1;
  bpf_tail_call(ctx, &jump, 1);
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
