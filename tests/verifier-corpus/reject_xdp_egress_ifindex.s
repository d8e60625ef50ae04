# xdp_md->egress_ifindex is readable only by programs attached to a devmap entry.
# prog_type: xdp
# verdict: reject
# rule: ctx-access
# expect: invalid bpf_context access off=20 size=4
  r0 = *(u32 *)(r1 + 20)
  r0 = 2
  exit
