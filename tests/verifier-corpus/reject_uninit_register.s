# Reads r2, which nothing has written (only r1 = ctx and r10 are set at entry).
# prog_type: socket_filter
# verdict: reject
# rule: uninit-register
# expect: R2 !read_ok
  r0 = r2
  exit
