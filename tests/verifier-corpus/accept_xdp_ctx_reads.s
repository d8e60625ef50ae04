# Reads the xdp_md fields every XDP program may read (egress_ifindex needs a devmap attach type).
# prog_type: xdp
# verdict: accept
# rule: ctx-access
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = *(u32 *)(r1 + 8)
  r5 = *(u32 *)(r1 + 12)
  r0 = *(u32 *)(r1 + 16)
  r0 = 2
  exit
