# A raw tracepoint reads its u64 args[0] and args[1].
# prog_type: raw_tracepoint
# verdict: accept
# rule: ctx-access
  r0 = *(u64 *)(r1 + 0)
  r2 = *(u64 *)(r1 + 8)
  r0 = 0
  exit
