# Pointer arithmetic that Spectre v1 hardening forbids without CAP_PERFMON: a stack pointer plus an unknown value.
# prog_type: socket_filter
# verdict: reject
# rule: pointer-leak
# expect: R3 variable stack access prohibited for !root
# mode: unprivileged
  r2 = *(u32 *)(r1 + 0)
  r2 &= 7
  r3 = r10
  r3 += -16
  r3 += r2
  r0 = 0
  *(u8 *)(r3 + 0) = r0
  exit
