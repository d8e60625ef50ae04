// One object declaring every map type the VM and the agent need, as BTF-defined maps, with an XDP
// program that touches each of them once per packet: counters in array / per-CPU array / hash / per-CPU
// hash / LRU hash / LRU per-CPU hash, a ring buffer record and a perf event record per packet, the
// packet length pushed on a queue and a stack (and popped back when full), and a prog array slot.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } m_array SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } m_percpu_array SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } m_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } m_percpu_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } m_lru_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } m_lru_percpu_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } m_ringbuf SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } m_perf SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 2); __uint(key_size, 4); __uint(value_size, 4); } m_prog_array SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 16); __type(value, __u32); } m_queue SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 16); __type(value, __u32); } m_stack SEC(".maps");

static __always_inline void bump(void *map, __u32 key) {
  __u64 *v = bpf_map_lookup_elem(map, &key);
  if (v) { __sync_fetch_and_add(v, 1); return; }
  __u64 one = 1;
  bpf_map_update_elem(map, &key, &one, BPF_NOEXIST);
}

struct packet_record { __u32 len; __u32 ifindex; };

SEC("xdp")
int touch_every_map(struct xdp_md *ctx) {
  __u32 len = ctx->data_end - ctx->data;
  __u32 bucket = len & 3;
  bump(&m_array, bucket);
  bump(&m_percpu_array, bucket);
  bump(&m_hash, len);
  bump(&m_percpu_hash, len);
  bump(&m_lru_hash, len);
  bump(&m_lru_percpu_hash, len);

  struct packet_record rec = {.len = len, .ifindex = ctx->ingress_ifindex};
  bpf_ringbuf_output(&m_ringbuf, &rec, sizeof(rec), 0);
  bpf_perf_event_output(ctx, &m_perf, BPF_F_CURRENT_CPU, &rec, sizeof(rec));

  if (bpf_map_push_elem(&m_queue, &len, BPF_ANY) < 0) {
    __u32 oldest;
    bpf_map_pop_elem(&m_queue, &oldest);
    bpf_map_push_elem(&m_queue, &len, BPF_ANY);
  }
  __u32 top;
  if (bpf_map_peek_elem(&m_stack, &top) == 0 && top == len) bpf_map_pop_elem(&m_stack, &top);
  bpf_map_push_elem(&m_stack, &len, BPF_EXIST); // BPF_EXIST: drop the oldest when full

  bpf_tail_call(ctx, &m_prog_array, 0); // empty slot: falls through
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
