# The branch to an invalid dereference is never taken because r0 is known to be 0: path-sensitive analysis skips it (dead code is not an error once the CFG reaches it).
# prog_type: socket_filter
# verdict: accept
# rule: dead-code
  r0 = 0
  if r0 != 0 goto +1
  exit
  r0 = *(u64 *)(r0 + 0)
  exit
