# One instruction over the 1,000,000-instruction limit for privileged loads (4,096 without CAP_BPF, and for every kernel before 5.2). The kernel refuses it with E2BIG before verifying, so there is no log.
# prog_type: socket_filter
# verdict: reject
# rule: too-large
  r0 = 0
  .rept 1000000
  r0 += 1
  .endr
  exit
