# Socket filters may write skb->cb[0..4].
# prog_type: socket_filter
# verdict: accept
# rule: ctx-readonly
  r2 = 7
  *(u32 *)(r1 + 48) = r2
  *(u32 *)(r1 + 64) = r2
  r0 = 0
  exit
