# bpf_probe_read_kernel with a size read from the context, never bounded.
# prog_type: kprobe
# verdict: reject
# rule: helper-arg-type
# expect: R2 min value is negative
  r2 = *(u64 *)(r1 + 112)
  r1 = r10
  r1 += -64
  r3 = 0
  call 113
  r0 = 0
  exit
