# bpf_skb_store_bytes (9) is not available to socket filters.
# prog_type: socket_filter
# verdict: reject
# rule: helper-prog-type
# expect: program of this type cannot use helper bpf_skb_store_bytes#9
  r2 = 0
  r3 = r10
  r3 += -8
  *(u64 *)(r10 - 8) = r2
  r4 = 1
  r5 = 0
  call 9
  r0 = 0
  exit
