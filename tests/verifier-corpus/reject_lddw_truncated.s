# lddw as the last instruction: its second half is missing (the kernel reports the missing exit first).
# prog_type: socket_filter
# verdict: reject
# rule: fall-off-end
# expect: last insn is not an exit or jmp
  r0 = 0
  exit
  .quad 0x0000000100000118
