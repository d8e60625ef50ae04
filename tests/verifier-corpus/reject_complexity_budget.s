# A loop whose counter only wraps after 2^64 steps: every iteration is a new state, so the verifier walks it until the 1,000,000-instruction budget runs out.
# prog_type: socket_filter
# verdict: reject
# rule: complexity-budget
# expect: BPF program is too large. Processed 1000001 insn
  r0 = 0
  r1 = 0
  r1 += 1
  if r1 != 0 goto -2
  exit
