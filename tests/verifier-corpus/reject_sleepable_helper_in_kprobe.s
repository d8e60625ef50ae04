# bpf_copy_from_user (148) may sleep; kprobes run in atomic context.
# prog_type: kprobe
# verdict: reject
# rule: helper-prog-type
# expect: helper call might sleep in a non-sleepable prog
  r1 = r10
  r1 += -8
  r2 = 8
  r3 = 0
  call 148
  r0 = 0
  exit
