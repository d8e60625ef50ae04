# The last instruction is a conditional jump whose fall-through leaves the program.
# prog_type: socket_filter
# verdict: reject
# rule: fall-off-end
# expect: last insn is not an exit or jmp
  r0 = 0
  exit
  if r0 == 0 goto -2
