# lddw with BPF_PSEUDO_MAP_FD naming a file descriptor that is not a map.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: fd 123456 is not pointing to valid bpf_map
  .quad 0x0001e24000001118
  .quad 0x0000000000000000
  r0 = 0
  exit
