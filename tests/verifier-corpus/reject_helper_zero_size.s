# bpf_skb_load_bytes with length 0 (its size argument must be positive).
# prog_type: socket_filter
# verdict: reject
# rule: helper-arg-type
# expect: invalid zero-sized read
  r2 = 0
  r3 = r10
  r3 += -8
  r4 = 0
  call 26
  r0 = 0
  exit
