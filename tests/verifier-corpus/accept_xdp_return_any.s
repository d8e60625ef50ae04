# XDP return values are not range-checked by the verifier (unknown actions are treated as XDP_ABORTED at run time).
# prog_type: xdp
# verdict: accept
# rule: return-range
  r0 = 99
  exit
