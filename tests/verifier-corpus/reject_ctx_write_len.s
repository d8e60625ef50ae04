# Socket filters may write only skb->cb[]; writing skb->len is refused.
# prog_type: socket_filter
# verdict: reject
# rule: ctx-readonly
# expect: invalid bpf_context access off=0 size=4
  r2 = 0
  *(u32 *)(r1 + 0) = r2
  r0 = 0
  exit
