# An atomic add into packet memory (after a correct bounds check): atomics are only for stack and map values.
# prog_type: xdp
# verdict: reject
# rule: packet-bounds
# expect: BPF_ATOMIC stores into R2 pkt is not allowed
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 8
  r0 = 2
  if r4 > r3 goto +2
  r5 = 1
  lock *(u64 *)(r2 + 0) += r5
  exit
