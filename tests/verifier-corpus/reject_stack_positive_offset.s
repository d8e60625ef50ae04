# A store above the frame pointer (r10 + 8): outside the 512-byte stack.
# prog_type: socket_filter
# verdict: reject
# rule: stack-offset
# expect: invalid write to stack R10 off=8 size=8
  r1 = 0
  *(u64 *)(r10 + 8) = r1
  r0 = 0
  exit
