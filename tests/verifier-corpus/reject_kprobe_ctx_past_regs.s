# Reads past the end of struct pt_regs (168 bytes on x86-64).
# prog_type: kprobe
# verdict: reject
# rule: ctx-access
# expect: invalid bpf_context access off=168 size=8
  r0 = *(u64 *)(r1 + 168)
  r0 = 0
  exit
