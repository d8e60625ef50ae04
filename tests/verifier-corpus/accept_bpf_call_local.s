# A bpf-to-bpf call to a local function that doubles its argument.
# prog_type: socket_filter
# verdict: accept
# rule: subprograms
  r1 = 21
  call double
  exit
double:
  r0 = r1
  r0 += r1
  exit
