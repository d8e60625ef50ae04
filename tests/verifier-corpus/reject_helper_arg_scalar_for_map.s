# bpf_map_lookup_elem with a plain number where the map pointer belongs.
# prog_type: socket_filter
# verdict: reject
# rule: helper-arg-type
# expect: R1 type=scalar expected=map_ptr
  r1 = 0
  r2 = r10
  r2 += -8
  r3 = 0
  *(u64 *)(r10 - 8) = r3
  call 1
  r0 = 0
  exit
