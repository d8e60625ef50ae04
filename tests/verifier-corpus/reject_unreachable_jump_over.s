# An unconditional jump skips an instruction nothing else reaches.
# prog_type: socket_filter
# verdict: reject
# rule: unreachable
# expect: unreachable insn 2
  r0 = 0
  goto +1
  r0 = 1
  exit
