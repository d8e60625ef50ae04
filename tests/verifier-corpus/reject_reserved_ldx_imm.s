# A memory load (ldxdw) with a non-zero immediate.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: BPF_LDX uses reserved fields
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  .quad 0x00000007fff8a079
  exit
