# Root may write and read the stack through a pointer with a bounded variable offset.
# prog_type: socket_filter
# verdict: accept
# rule: stack-offset
# note: rejected in unprivileged mode: see reject_ptr_to_stack_spill_unpriv
  r2 = *(u32 *)(r1 + 0)
  r2 &= 7
  r3 = r10
  r3 += -16
  r3 += r2
  r0 = 0
  *(u8 *)(r3 + 0) = r0
  exit
