# Instructions after the exit that no path reaches.
# prog_type: socket_filter
# verdict: reject
# rule: unreachable
# expect: unreachable insn 2
  r0 = 0
  exit
  r0 = 1
  exit
