# Masking a stack pointer with &=.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-arithmetic
# expect: R1 bitwise operator &= on pointer prohibited
  r1 = r10
  r1 &= -16
  r0 = 0
  exit
