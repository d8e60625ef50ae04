# The 32-bit jump class on values whose upper halves differ from their lower.
# prog_type: socket_filter
# verdict: accept
# rule: jumps
  r0 = 0
  r1 = 0x100000005 ll
  if w1 == 5 goto +1
  r0 += 1
  if w1 != 6 goto +1
  r0 += 1
  if w1 > 4 goto +1
  r0 += 1
  if w1 >= 5 goto +1
  r0 += 1
  if w1 < 6 goto +1
  r0 += 1
  if w1 <= 5 goto +1
  r0 += 1
  if w1 s> 4 goto +1
  r0 += 1
  if w1 s< 6 goto +1
  r0 += 1
  if w1 & 1 goto +1
  r0 += 1
  exit
