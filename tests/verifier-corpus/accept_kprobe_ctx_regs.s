# A kprobe reads pt_regs fields (x86-64 di, si, ip).
# prog_type: kprobe
# verdict: accept
# rule: ctx-access
  r0 = *(u64 *)(r1 + 112)
  r2 = *(u64 *)(r1 + 104)
  r0 += r2
  r2 = *(u64 *)(r1 + 128)
  r0 += r2
  r0 = 0
  exit
