# The same check written data_end < data + 14 (pkt_end on the left).
# prog_type: xdp
# verdict: accept
# rule: packet-bounds
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 14
  r0 = 1
  if r3 < r4 goto +1
  r0 = *(u8 *)(r2 + 13)
  r0 = 2
  exit
