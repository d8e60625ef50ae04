# `exit` whose immediate is not zero.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: BPF_EXIT uses reserved fields
  r0 = 0
  .quad 0x0000000100000095
