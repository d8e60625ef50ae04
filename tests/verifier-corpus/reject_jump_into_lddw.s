# A jump that lands on the second half of a 16-byte lddw.
# prog_type: socket_filter
# verdict: reject
# rule: jump-into-lddw
# expect: jump into the middle of ldimm64 insn
  r0 = 0
  if r0 == 0 goto +1
  r1 = 0x1122334455667788 ll
  exit
