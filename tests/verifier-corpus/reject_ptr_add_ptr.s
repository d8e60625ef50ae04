# Adding two pointers.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-arithmetic
# expect: R1 pointer += pointer prohibited
  r1 += r10
  r0 = 0
  exit
