# A backward jump to before the first instruction.
# prog_type: socket_filter
# verdict: reject
# rule: jump-out-of-range
# expect: jump out of range from insn 1 to -1
  r0 = 0
  goto -3
  exit
