# skb->data (direct packet access) is not available to socket filters.
# prog_type: socket_filter
# verdict: reject
# rule: ctx-access
# expect: invalid bpf_context access off=76 size=4
  r0 = *(u32 *)(r1 + 76)
  r0 = 0
  exit
