# neg (r0 = -r0) with src_reg set.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: BPF_NEG uses reserved fields
  r0 = 1
  .quad 0x0000000000002087
  exit
