# A jump whose target lies past the last instruction.
# prog_type: socket_filter
# verdict: reject
# rule: jump-out-of-range
# expect: jump out of range from insn 1 to 7
  r0 = 0
  if r0 == 0 goto +5
  exit
