# Helper number 99999 does not exist.
# prog_type: socket_filter
# verdict: reject
# rule: helper-unknown
# expect: invalid func unknown#99999
  call 99999
  r0 = 0
  exit
