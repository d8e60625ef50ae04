# Compares two pointers; without CAP_PERFMON that is refused (it leaks address bits).
# prog_type: socket_filter
# verdict: reject
# rule: pointer-leak
# expect: R2 pointer comparison prohibited
# mode: unprivileged
  r0 = 0
  r2 = r10
  if r1 == r2 goto +1
  r0 = 1
  exit
