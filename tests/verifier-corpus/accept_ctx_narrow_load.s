# Narrow (1- and 2-byte) loads of skb->len and skb->protocol.
# prog_type: socket_filter
# verdict: accept
# rule: ctx-access
  r0 = *(u8 *)(r1 + 0)
  r2 = *(u16 *)(r1 + 16)
  r0 += r2
  exit
