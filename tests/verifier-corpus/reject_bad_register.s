# Destination register 11 does not exist (only r0..r10).
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: R11 is invalid
  .quad 0x0000000000000bb7
  r0 = 0
  exit
