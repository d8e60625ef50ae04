#!/bin/sh
# One-shot job: uploads every example with its C source, shows the broken one's rejection, and starts a
# canary rollout of opens_per_process to every agent. Needs BPFLEET_SERVER and BPFLEET_TOKEN.
set -eu
cd /app
cli="node apps/cli/bin/bpfleet.js"
for obj in examples/build/*.o; do
  case "$obj" in *.v3.o|*.v4.o) continue ;; esac
  name=$(basename "$obj" .o)
  $cli push "$obj" --name "$name" --source "examples/$name.bpf.c"
done
# Wait until the first version is signed (verification runs as a job).
tries=0
until $cli verify-report opens_per_process@1 --json | grep -q '"status": "signed"'; do
  tries=$((tries + 1)); [ "$tries" -lt 60 ] || { echo "opens_per_process@1 not signed"; exit 1; }
  sleep 2
done
$cli verify-report broken_null_deref@1 || true
$cli rollout opens_per_process@1 --canary 30% --waves 2 --pause 10s --watch
