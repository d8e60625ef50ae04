# Every conditional jump of the 64-bit JMP class.
# prog_type: socket_filter
# verdict: accept
# rule: jumps
  r0 = 0
  r1 = 5
  r2 = -3
  if r1 == 5 goto +1
  r0 += 1
  if r1 != r2 goto +1
  r0 += 1
  if r1 > 4 goto +1
  r0 += 1
  if r1 >= r1 goto +1
  r0 += 1
  if r1 < 9 goto +1
  r0 += 1
  if r1 <= 5 goto +1
  r0 += 1
  if r2 s> -4 goto +1
  r0 += 1
  if r2 s>= -3 goto +1
  r0 += 1
  if r2 s< r1 goto +1
  r0 += 1
  if r2 s<= -3 goto +1
  r0 += 1
  if r1 & 4 goto +1
  r0 += 1
  exit
