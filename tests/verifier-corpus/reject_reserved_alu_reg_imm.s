# `r0 += r1` (register source) with a non-zero immediate.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: BPF_ALU uses reserved fields
  r0 = 1
  r1 = 2
  .quad 0x000000050000100f
  exit
