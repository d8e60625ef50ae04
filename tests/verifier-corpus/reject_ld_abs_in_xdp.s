# Legacy packet loads (LD_ABS) exist only for socket filters and tc.
# prog_type: xdp
# verdict: reject
# rule: helper-prog-type
# expect: BPF_LD_[ABS|IND] instructions not allowed for this program type
  r6 = r1
  r0 = *(u8 *)skb[12]
  r0 = 2
  exit
