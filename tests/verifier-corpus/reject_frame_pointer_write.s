# r10 (the frame pointer) is read-only.
# prog_type: socket_filter
# verdict: reject
# rule: stack-offset
# expect: frame pointer is read only
  r10 = 0
  r0 = 0
  exit
