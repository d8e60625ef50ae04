# Caller-saved r1..r5 are scratched by a helper call; r3 is read afterwards.
# prog_type: socket_filter
# verdict: reject
# rule: uninit-register
# expect: R3 !read_ok
  r3 = 1
  call 7
  r0 = r3
  exit
