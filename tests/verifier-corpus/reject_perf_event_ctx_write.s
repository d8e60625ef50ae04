# Writes into the perf event context (bpf_perf_event_data is read-only).
# prog_type: perf_event
# verdict: reject
# rule: ctx-readonly
# expect: invalid bpf_context access off=0 size=8
  r2 = 0
  *(u64 *)(r1 + 0) = r2
  r0 = 0
  exit
