# The program ends with an ALU instruction: execution would fall off the end.
# prog_type: socket_filter
# verdict: reject
# rule: fall-off-end
# expect: last insn is not an exit or jmp
  r0 = 0
  r0 += 1
