# A jump to itself: loops are allowed for CAP_BPF, but this one never changes state.
# prog_type: socket_filter
# verdict: reject
# rule: back-edge
# expect: infinite loop detected at insn 1
# note: without CAP_BPF (and on kernels before 5.3) the message is `back-edge from insn 1 to 1`
  r0 = 0
  if r0 == 0 goto -1
  exit
