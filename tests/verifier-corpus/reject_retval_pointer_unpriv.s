# Returns a stack pointer: a kernel address would leak to whoever reads the return value.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-leak
# expect: R0 leaks addr as return value
# mode: unprivileged
  r0 = r10
  exit
