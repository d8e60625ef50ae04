// Shared declarations for the C programs of the verifier corpus: a few maps of each kind the rules
// need, and the macros for naked functions whose body is hand-written BPF assembly (used where clang
// would never emit the instruction sequence a rule needs).
#ifndef VERIFIER_CORPUS_COMMON_H
#define VERIFIER_CORPUS_COMMON_H
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define __naked __attribute__((naked))
#define __clobber_all "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "memory"
#define __imm_addr(name) [name] "i"(&name)
#define __helper(name) [name] "i"(BPF_FUNC_##name)

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); } hash_8b SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64[6]); } array_48b SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } ringbuf SEC(".maps");

#endif
