# Shifts by the largest allowed immediates (63 and 31) and by registers.
# prog_type: socket_filter
# verdict: accept
# rule: alu
  r0 = -1
  r0 <<= 63
  r0 s>>= 63
  w1 = -1
  w1 >>= 31
  r2 = 65
  r0 <<= r2
  r0 += r1
  exit
