# bpf_get_current_comm into a 16-byte stack buffer, then pid/tgid and uid/gid.
# prog_type: kprobe
# verdict: accept
# rule: helpers
  r1 = r10
  r1 += -16
  r2 = 16
  call 16
  call 14
  r6 = r0
  call 15
  r0 = 0
  exit
