# be16/be32/be64 and le16/le32/le64 conversions.
# prog_type: socket_filter
# verdict: accept
# rule: alu
  r0 = 0x12345678
  r0 = be16 r0
  r0 = be32 r0
  r0 = be64 r0
  r0 = le16 r0
  r0 = le32 r0
  r0 = le64 r0
  exit
