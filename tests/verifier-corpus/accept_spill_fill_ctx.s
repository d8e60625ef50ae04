# Spills the context pointer to the stack and fills it back: the type survives.
# prog_type: socket_filter
# verdict: accept
# rule: spill
  *(u64 *)(r10 - 8) = r1
  r1 = 0
  r2 = *(u64 *)(r10 - 8)
  r0 = *(u32 *)(r2 + 0)
  exit
