# Writes and reads the lowest stack slot, r10 - 512.
# prog_type: socket_filter
# verdict: accept
# rule: stack-offset
  r1 = 42
  *(u64 *)(r10 - 512) = r1
  r0 = *(u64 *)(r10 - 512)
  exit
