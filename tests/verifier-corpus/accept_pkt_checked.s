# Compares data + 14 against data_end before reading the EtherType.
# prog_type: xdp
# verdict: accept
# rule: packet-bounds
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 14
  r0 = 1
  if r4 > r3 goto +3
  r0 = *(u16 *)(r2 + 12)
  r0 &= 1
  r0 += 1
  exit
