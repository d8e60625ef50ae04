# lddw whose second slot has a non-zero opcode.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: invalid bpf_ld_imm64 insn
  .quad 0x0000000100000018
  .quad 0x00000000000000b7
  exit
