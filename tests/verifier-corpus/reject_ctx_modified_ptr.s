# Loads through ctx + 4 held in a register: the verifier only allows constant offsets in the load itself.
# prog_type: socket_filter
# verdict: reject
# rule: ctx-access
# expect: dereference of modified ctx ptr R1 off=4 disallowed
  r1 += 4
  r0 = *(u32 *)(r1 + 0)
  exit
