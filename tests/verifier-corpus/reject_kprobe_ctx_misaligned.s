# An 8-byte pt_regs read at an offset that is not a multiple of 8.
# prog_type: kprobe
# verdict: reject
# rule: ctx-access
# expect: invalid bpf_context access off=4 size=8
  r0 = *(u64 *)(r1 + 4)
  r0 = 0
  exit
