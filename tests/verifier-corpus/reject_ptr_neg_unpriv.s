# Negating a pointer: without CAP_PERFMON it would leak the address.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-arithmetic
# expect: R1 pointer arithmetic prohibited
# mode: unprivileged
  r1 = -r1
  r0 = 0
  exit
