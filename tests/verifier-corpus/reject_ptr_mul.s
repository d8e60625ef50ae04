# Multiplying the context pointer.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-arithmetic
# expect: R1 pointer arithmetic with *= operator prohibited
  r1 *= 2
  r0 = 0
  exit
