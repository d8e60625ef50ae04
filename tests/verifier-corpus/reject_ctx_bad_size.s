# Reads xdp_md->data (a 4-byte field) with an 8-byte load.
# prog_type: xdp
# verdict: reject
# rule: ctx-access
# expect: invalid bpf_context access off=0 size=8
  r0 = *(u64 *)(r1 + 0)
  r0 = 2
  exit
