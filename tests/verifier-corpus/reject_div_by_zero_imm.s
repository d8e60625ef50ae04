# Division by the constant 0 (a register that is zero at run time is allowed and gives 0).
# prog_type: socket_filter
# verdict: reject
# rule: division-by-zero
# expect: div by zero
  r0 = 7
  r0 /= 0
  exit
