# `r0 = 0` (mov64 imm) with the unused src_reg field set to 1.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: BPF_MOV uses reserved fields
  .quad 0x00000000000010b7
  exit
