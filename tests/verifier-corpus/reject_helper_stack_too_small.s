# bpf_get_current_comm writes 16 bytes into a buffer that starts 8 bytes below the frame pointer.
# prog_type: kprobe
# verdict: reject
# rule: helper-arg-type
# expect: invalid write to stack R1 off=-8 size=16
  r1 = r10
  r1 += -8
  r2 = 16
  call 16
  r0 = 0
  exit
