# ALU64 operation code 0xe0 with an immediate (opcode 0xe7) is unassigned.
# prog_type: socket_filter
# verdict: reject
# rule: invalid-opcode
# expect: unknown opcode e7
  r0 = 0
  .quad 0x00000001000000e7
  exit
