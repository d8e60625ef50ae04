# tc programs may write skb->mark, priority and tc_index.
# prog_type: sched_cls
# verdict: accept
# rule: ctx-readonly
  r2 = 42
  *(u32 *)(r1 + 8) = r2
  *(u32 *)(r1 + 32) = r2
  *(u32 *)(r1 + 44) = r2
  r0 = 0
  exit
