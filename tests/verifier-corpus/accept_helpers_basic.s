# Argument-less helpers available everywhere: ktime, prandom, smp processor id, numa node.
# prog_type: socket_filter
# verdict: accept
# rule: helpers
  call 5
  r6 = r0
  call 7
  r6 += r0
  call 8
  r6 += r0
  call 42
  r0 += r6
  exit
