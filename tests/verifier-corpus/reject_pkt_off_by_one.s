# Checks 14 bytes against data_end, then reads 4 bytes at offset 12 (ends at 16).
# prog_type: xdp
# verdict: reject
# rule: packet-bounds
# expect: invalid access to packet, off=12 size=4
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 14
  r0 = 1
  if r4 > r3 goto +2
  r0 = *(u32 *)(r2 + 12)
  r0 = 2
  exit
