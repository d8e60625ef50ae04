# 32-bit modulo by the constant 0.
# prog_type: socket_filter
# verdict: reject
# rule: division-by-zero
# expect: div by zero
  w0 = 7
  w0 %= 0
  exit
