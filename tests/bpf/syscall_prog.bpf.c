// BPF_PROG_TYPE_SYSCALL program (sleepable, run with BPF_PROG_TEST_RUN from user space): takes an
// argument struct as its context, sums the values, stores the result in a hash map keyed by the
// request id and writes the sum back into the context for the caller.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sum_request {
  __u32 id;
  __u32 count;
  __u64 values[8];
  __u64 result;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} sums SEC(".maps");

SEC("syscall")
int sum_values(struct sum_request *req) {
  __u64 total = 0;
  __u32 count = req->count;
  if (count > 8) count = 8;
  // Constant indices only: the verifier refuses ctx accesses through a pointer with a variable offset.
#pragma unroll
  for (__u32 i = 0; i < 8; i++)
    if (i < count) total += req->values[i];
  __u32 id = req->id;
  bpf_map_update_elem(&sums, &id, &total, BPF_ANY);
  req->result = total;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
