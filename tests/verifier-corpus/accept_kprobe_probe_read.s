# bpf_probe_read_kernel with a size bounded by a mask.
# prog_type: kprobe
# verdict: accept
# rule: helpers
  r3 = *(u64 *)(r1 + 112)
  r2 = *(u64 *)(r1 + 104)
  r2 &= 63
  r1 = r10
  r1 += -64
  call 113
  r0 = 0
  exit
