# An atomic add into the context.
# prog_type: socket_filter
# verdict: reject
# rule: ctx-access
# expect: BPF_ATOMIC stores into R1 ctx is not allowed
  r2 = 1
  lock *(u32 *)(r1 + 48) += w2
  r0 = 0
  exit
