# 32-bit add on the context pointer.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-32bit
# expect: R1 32-bit pointer arithmetic prohibited
  w1 += 4
  r0 = 0
  exit
