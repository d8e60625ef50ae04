# A store at r10 - 520: past the 512-byte stack.
# prog_type: socket_filter
# verdict: reject
# rule: stack-offset
# expect: invalid write to stack R10 off=-520 size=8
  r1 = 0
  *(u64 *)(r10 - 520) = r1
  r0 = 0
  exit
