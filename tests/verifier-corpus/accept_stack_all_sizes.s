# Stores and loads of 1, 2, 4 and 8 bytes, immediate and register forms.
# prog_type: socket_filter
# verdict: accept
# rule: stack-offset
  *(u8 *)(r10 - 1) = 1
  *(u16 *)(r10 - 4) = 2
  *(u32 *)(r10 - 8) = 3
  *(u64 *)(r10 - 16) = 4
  r1 = 5
  *(u64 *)(r10 - 24) = r1
  r0 = *(u8 *)(r10 - 1)
  r2 = *(u16 *)(r10 - 4)
  r0 += r2
  r2 = *(u32 *)(r10 - 8)
  r0 += r2
  r2 = *(u64 *)(r10 - 16)
  r0 += r2
  r2 = *(u64 *)(r10 - 24)
  r0 += r2
  exit
