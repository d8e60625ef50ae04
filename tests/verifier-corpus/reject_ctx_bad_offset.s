# Reads __sk_buff at offset 1000, beyond the structure.
# prog_type: socket_filter
# verdict: reject
# rule: ctx-access
# expect: invalid bpf_context access off=1000 size=4
  r0 = *(u32 *)(r1 + 1000)
  exit
