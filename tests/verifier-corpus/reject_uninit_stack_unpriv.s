# Reads a stack slot nothing wrote. Root (CAP_PERFMON) may do that; others may not.
# prog_type: socket_filter
# verdict: reject
# rule: uninit-stack
# expect: invalid read from stack R10 off=-8 size=8
# mode: unprivileged
  r0 = *(u64 *)(r10 - 8)
  r0 = 0
  exit
