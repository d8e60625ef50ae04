# Unconditional jump (ja) with src_reg set.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: BPF_JA uses reserved fields
  r0 = 0
  .quad 0x0000000000001005
  exit
