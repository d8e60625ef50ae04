# Reads the __sk_buff fields a socket filter may see: len, pkt_type, mark, queue_mapping, protocol, cb[0], ifindex, hash.
# prog_type: socket_filter
# verdict: accept
# rule: ctx-access
  r0 = *(u32 *)(r1 + 0)
  r2 = *(u32 *)(r1 + 4)
  r0 += r2
  r2 = *(u32 *)(r1 + 8)
  r0 += r2
  r2 = *(u32 *)(r1 + 12)
  r0 += r2
  r2 = *(u32 *)(r1 + 16)
  r0 += r2
  r2 = *(u32 *)(r1 + 48)
  r0 += r2
  r2 = *(u32 *)(r1 + 40)
  r0 += r2
  r2 = *(u32 *)(r1 + 32)
  r0 += r2
  exit
