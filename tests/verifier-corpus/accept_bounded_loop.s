# A counted loop of 16 iterations (a back-edge): accepted since 5.3 with CAP_BPF.
# prog_type: socket_filter
# verdict: accept
# rule: loops
# note: profiles before 5.3 (and loads without CAP_BPF) reject it: back-edge from insn 4 to 2
  r0 = 0
  r1 = 16
  r0 += r1
  r1 += -1
  if r1 != 0 goto -3
  exit
