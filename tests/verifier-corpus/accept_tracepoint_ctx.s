# A tracepoint program reads its record (any offset inside the record buffer is allowed).
# prog_type: tracepoint
# verdict: accept
# rule: ctx-access
  r0 = *(u64 *)(r1 + 8)
  r2 = *(u32 *)(r1 + 16)
  r0 = 0
  exit
