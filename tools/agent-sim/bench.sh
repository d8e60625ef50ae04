#!/usr/bin/env bash
# Controller benchmarks against the local Postgres/Redis/NATS: starts a controller on its own database
# and NATS prefix, runs the rollout and ingest benchmarks with simulated agents, then cleans up.
#   bash tools/agent-sim/bench.sh            (needs `npm run build` and the services running)
# SAMPLES (default 10M) sets the size of the query benchmark's data set; BENCHMARKS (default
# "rollout ingest query") picks which run; CONTROLLER_NODE_ARGS is passed to the controller's node
# (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
npx tsc -b tools/agent-sim/tsconfig.json
RUN="b$(date +%s)"
BASE_DB="${DATABASE_URL:-postgres://bpfleet:bpfleet@127.0.0.1:5432/bpfleet}"
DB_URL="${BASE_DB%/*}/bpfleet_bench_${RUN}"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}" NATS_PREFIX="bench_${RUN}"
TOKEN="bpf_bench_$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
DIR="$(mktemp -d)"
psql "$BASE_DB" -qc "CREATE DATABASE bpfleet_bench_${RUN}"
DATABASE_URL="$DB_URL" REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}" PORT=18181 HOST=127.0.0.1 QUEUE_PREFIX="bench_${RUN}" \
  BOOTSTRAP_ADMIN_TOKEN="$TOKEN" SIGNING_KEY_FILE="$DIR/key.pem" LOG_LEVEL=warn MAINTENANCE_JOBS=false \
  node ${CONTROLLER_NODE_ARGS:---max-semi-space-size=32} "${CONTROLLER_MAIN:-apps/controller/dist/main.js}" > "$DIR/controller.log" 2>&1 &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true
  node tools/agent-sim/dist/cleanup.js "$NATS_PREFIX" || true
  psql "$BASE_DB" -qc "DROP DATABASE IF EXISTS bpfleet_bench_${RUN} WITH (FORCE)" || true
  rm -rf "$DIR"
}
trap cleanup EXIT
[[ -n ${KEEP_LOG:-} ]] && trap 'cp "$DIR/controller.log" "$KEEP_LOG"; cleanup' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:18181/readyz >/dev/null && break; sleep 0.2; done
export CONTROLLER_URL=http://127.0.0.1:18181 TOKEN DATABASE_URL="$DB_URL"
status=0
# CPU seconds (user + system) the controller process used so far: printed per benchmark, because on a
# shared machine the CPU cost is steadier than the wall time.
cpu() { awk '{print ($14 + $15) / 100}' "/proc/$PID/stat"; }
for bench in ${BENCHMARKS:-rollout ingest query}; do
  before=$(cpu)
  node "tools/agent-sim/dist/bench-${bench}.js" || status=1
  echo "{\"benchmark\":\"${bench}\",\"controllerCpuSeconds\":$(awk -v a="$before" -v b="$(cpu)" 'BEGIN {print b - a}'),\"loadAverage\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
done
exit $status
