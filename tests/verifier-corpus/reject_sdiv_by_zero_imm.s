# cpu v4 signed division by the constant 0.
# prog_type: socket_filter
# verdict: reject
# rule: division-by-zero
# expect: div by zero
# mcpu: v4
  r0 = -7
  r0 s/= 0
  exit
