# Opcode 0xff is not an eBPF instruction (class ALU64, op 0xf0 does not exist).
# prog_type: socket_filter
# verdict: reject
# rule: invalid-opcode
# expect: unknown opcode ff
  r0 = 0
  .quad 0x00000000000000ff
  exit
