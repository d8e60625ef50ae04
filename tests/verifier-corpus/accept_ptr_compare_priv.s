# Pointer comparison is allowed with CAP_PERFMON.
# prog_type: socket_filter
# verdict: accept
# rule: pointer-leak
  r0 = 0
  r2 = r10
  if r1 == r2 goto +1
  r0 = 1
  exit
