# bpf_skb_load_bytes (26) works on an sk_buff; XDP programs do not get it.
# prog_type: xdp
# verdict: reject
# rule: helper-prog-type
# expect: program of this type cannot use helper bpf_skb_load_bytes#26
  r2 = 0
  r3 = r10
  r3 += -8
  r4 = 4
  call 26
  r0 = 2
  exit
