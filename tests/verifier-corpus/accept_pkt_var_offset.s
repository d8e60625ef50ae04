# A variable but bounded offset (0..15) added to the packet pointer, checked against data_end.
# prog_type: xdp
# verdict: accept
# rule: packet-bounds
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = *(u32 *)(r1 + 12)
  r4 &= 15
  r2 += r4
  r5 = r2
  r5 += 4
  r0 = 2
  if r5 > r3 goto +1
  r0 = *(u32 *)(r2 + 0)
  r0 = 2
  exit
