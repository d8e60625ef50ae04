# scalar -= pointer: subtracting a pointer from a number.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-arithmetic
# expect: R0 tried to subtract pointer from scalar
  r0 = 0
  r0 -= r10
  exit
