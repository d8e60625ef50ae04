# Stores the frame pointer into skb->cb[0] without CAP_PERFMON.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-leak
# expect: leaks addr into ctx
# mode: unprivileged
  *(u64 *)(r1 + 48) = r10
  r0 = 0
  exit
