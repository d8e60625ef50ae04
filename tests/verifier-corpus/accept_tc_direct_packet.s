# tc direct packet access through skb->data / skb->data_end.
# prog_type: sched_cls
# verdict: accept
# rule: packet-bounds
  r2 = *(u32 *)(r1 + 76)
  r3 = *(u32 *)(r1 + 80)
  r4 = r2
  r4 += 1
  r0 = 0
  if r4 > r3 goto +1
  r0 = *(u8 *)(r2 + 0)
  r0 = 0
  exit
