# Root (CAP_PERFMON) may read stack it never wrote; the value is an unknown scalar.
# prog_type: socket_filter
# verdict: accept
# rule: uninit-stack
# note: rejected in unprivileged mode: see reject_uninit_stack_unpriv
  r0 = *(u64 *)(r10 - 8)
  r0 = 0
  exit
