# bpf_get_current_pid_tgid in XDP: part of the base helper set for privileged programs on current kernels.
# prog_type: xdp
# verdict: accept
# rule: helper-prog-type
# note: older kernels offered it only to tracing programs (unknown func bpf_get_current_pid_tgid#14)
  call 14
  r0 = 2
  exit
