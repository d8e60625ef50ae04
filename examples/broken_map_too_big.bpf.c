// broken_map_too_big: opens_per_process plus a map no host can create. Central verification passes (the
// program is safe and the map is well-formed); the load fails on every host: the kernel cannot allocate a
// 512 TiB array (map create: ENOMEM) and the VM refuses a map larger than its address space. Rolled out as
// a new version of opens_per_process it shows the automatic rollback (the e2e test does).
#include "opens_per_process.bpf.c"

struct history {
  __u64 slots[1 << 17]; // 1 MiB per value
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1 << 29); // 512 TiB in all
  __type(key, __u32);
  __type(value, struct history);
} history SEC(".maps");
