# Negating a pointer as root: allowed, the register becomes an unknown scalar.
# prog_type: socket_filter
# verdict: accept
# rule: pointer-arithmetic
  r1 = -r1
  r0 = 0
  exit
