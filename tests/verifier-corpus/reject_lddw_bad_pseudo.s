# lddw with src_reg 7, which is not a defined pseudo source.
# prog_type: socket_filter
# verdict: reject
# rule: reserved-fields
# expect: unrecognized bpf_ld_imm64 insn
  .quad 0x0000000100007018
  .quad 0x0000000000000000
  exit
