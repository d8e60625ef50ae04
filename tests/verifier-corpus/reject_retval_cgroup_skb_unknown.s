# Returns the packet length, an unknown number, from a cgroup_skb program.
# prog_type: cgroup_skb
# verdict: reject
# rule: return-range
# expect: should have been in [0, 1]
  r0 = *(u32 *)(r1 + 0)
  exit
