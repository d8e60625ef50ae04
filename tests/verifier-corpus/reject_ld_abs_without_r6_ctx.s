# LD_ABS takes the context from r6; here r6 holds a number.
# prog_type: socket_filter
# verdict: reject
# rule: helper-arg-type
# expect: at the time of BPF_LD_ABS|IND R6 != pointer to skb
  r6 = 0
  r0 = *(u8 *)skb[12]
  exit
