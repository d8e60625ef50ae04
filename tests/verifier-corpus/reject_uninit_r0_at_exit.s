# Exits without setting r0.
# prog_type: socket_filter
# verdict: reject
# rule: uninit-register
# expect: R0 !read_ok
  exit
