# A cgroup_skb program returning 1 (allow) or 0 (drop) by packet length.
# prog_type: cgroup_skb
# verdict: accept
# rule: return-range
  r2 = *(u32 *)(r1 + 0)
  r0 = 1
  if r2 < 1500 goto +1
  r0 = 0
  exit
