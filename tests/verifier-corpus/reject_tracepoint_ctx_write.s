# Writes into a tracepoint record.
# prog_type: tracepoint
# verdict: reject
# rule: ctx-readonly
# expect: invalid bpf_context access off=8 size=8
  r2 = 0
  *(u64 *)(r1 + 8) = r2
  r0 = 0
  exit
