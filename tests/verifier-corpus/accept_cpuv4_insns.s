# cpu v4 instructions: sign-extending moves and loads, unconditional bswap, signed div/mod, and the 32-bit-offset gotol.
# prog_type: socket_filter
# verdict: accept
# rule: cpu-v4
# mcpu: v4
  r1 = -5
  *(u64 *)(r10 - 8) = r1
  r0 = (s8)r1
  r2 = (s16)r1
  r0 += r2
  w3 = (s8)w1
  r0 += r3
  r4 = *(s8 *)(r10 - 8)
  r0 += r4
  r4 = *(s32 *)(r10 - 8)
  r0 += r4
  r0 = bswap16 r0
  r0 = bswap64 r0
  r5 = 7
  r5 s/= 2
  r5 s%= 3
  r0 += r5
  if r0 s> 0 goto +1
  gotol +1
  r0 += 1
  exit
