# bpf_skb_load_bytes needs the context in r1; it gets a stack pointer.
# prog_type: socket_filter
# verdict: reject
# rule: helper-arg-type
# expect: R1 type=fp expected=ctx
  r1 = r10
  r1 += -8
  r2 = 0
  r3 = r10
  r3 += -8
  r4 = 4
  call 26
  r0 = 0
  exit
