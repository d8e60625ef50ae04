# A 64-bit immediate load (two slots) folded into the result.
# prog_type: socket_filter
# verdict: accept
# rule: lddw
  r1 = 0x123456789abcdef0 ll
  r0 = r1
  r0 >>= 60
  exit
