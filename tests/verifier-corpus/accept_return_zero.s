# The smallest valid program.
# prog_type: socket_filter
# verdict: accept
# rule: baseline
  r0 = 0
  exit
