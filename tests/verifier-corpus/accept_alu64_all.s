# Every 64-bit ALU operation with immediate and register operands.
# prog_type: socket_filter
# verdict: accept
# rule: alu
  r0 = 100
  r1 = 7
  r0 += 3
  r0 -= r1
  r0 *= 3
  r0 /= 2
  r0 %= 11
  r0 |= 0x100
  r0 &= 0x1ff
  r0 ^= r1
  r0 <<= 3
  r0 >>= 1
  r0 s>>= 2
  r0 = -r0
  r0 += r1
  r0 /= r1
  r0 %= r1
  r0 <<= r1
  r0 >>= r1
  r0 s>>= r1
  exit
