# A bpf-to-bpf call (src_reg 1) whose target lies past the end of the program.
# prog_type: socket_filter
# verdict: reject
# rule: jump-out-of-range
# expect: call to invalid destination
  .quad 0x0000006400001085
  r0 = 0
  exit
