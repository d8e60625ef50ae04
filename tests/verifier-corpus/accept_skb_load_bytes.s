# bpf_skb_load_bytes into an 8-byte stack buffer.
# prog_type: socket_filter
# verdict: accept
# rule: helpers
  r2 = 0
  r3 = r10
  r3 += -8
  r4 = 8
  call 26
  r0 = *(u64 *)(r10 - 8)
  exit
