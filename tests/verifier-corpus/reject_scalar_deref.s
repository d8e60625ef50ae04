# Dereferences a plain number as if it were a pointer.
# prog_type: socket_filter
# verdict: reject
# rule: bad-pointer
# expect: R0 invalid mem access 'scalar'
  r0 = 4096
  r0 = *(u64 *)(r0 + 0)
  exit
