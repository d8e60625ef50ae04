# A raw tracepoint has at most 12 u64 arguments; offset 96 is the 13th.
# prog_type: raw_tracepoint
# verdict: reject
# rule: ctx-access
# expect: invalid bpf_context access off=96 size=8
  r0 = *(u64 *)(r1 + 96)
  r0 = 0
  exit
