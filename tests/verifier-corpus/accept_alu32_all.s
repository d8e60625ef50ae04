# Every 32-bit ALU operation, including the zero extension into the upper half.
# prog_type: socket_filter
# verdict: accept
# rule: alu
  w0 = -1
  w1 = 5
  w0 += 3
  w0 -= w1
  w0 *= 3
  w0 /= 2
  w0 %= 11
  w0 |= 0x100
  w0 &= 0x1ff
  w0 ^= w1
  w0 <<= 3
  w0 >>= 1
  w0 s>>= 2
  w0 = -w0
  w0 /= w1
  w0 %= w1
  w0 <<= w1
  w0 >>= w1
  w0 s>>= w1
  exit
