# Division and modulo by a register holding 0 are allowed: the result is 0 (div) or the dividend (mod).
# prog_type: socket_filter
# verdict: accept
# rule: division-by-zero
  r0 = 9
  r1 = 0
  r0 /= r1
  r2 = 9
  r2 %= r1
  w3 = 9
  w3 /= w1
  r0 += r2
  exit
