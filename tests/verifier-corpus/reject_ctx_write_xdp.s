# Every field of xdp_md is read-only.
# prog_type: xdp
# verdict: reject
# rule: ctx-readonly
# expect: invalid bpf_context access off=12 size=4
  r2 = 0
  *(u32 *)(r1 + 12) = r2
  r0 = 2
  exit
