# Legacy packet loads: LD_ABS of the EtherType and LD_IND with an offset register.
# prog_type: socket_filter
# verdict: accept
# rule: ld-abs
  r6 = r1
  r0 = *(u16 *)skb[12]
  r7 = 23
  r0 = *(u8 *)skb[r7]
  exit
