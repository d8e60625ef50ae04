#!/usr/bin/env bash
# `npm run demo`: the whole fleet on this machine. Bootstraps what is missing, starts a controller on its
# own database (bpfleet_demo) and NATS/queue prefix (bpfleet_demo), three agents (one on the kernel runtime
# where the machine allows it, two forced onto the VM runtime), pushes the examples, shows the broken one's
# rejection, rolls opens_per_process out as a canary wave by wave, generates activity (file opens, packets
# on a veth pair into a network namespace, app events to the VM agents) and prints live query results.
#
#   bash scripts/demo.sh [--duration 60s] [--port 8080] [--interval 5s]
#
# --duration: how long the live phase runs after the rollouts (default: until Ctrl-C).
# Ctrl-C (or the end of --duration) stops every process the demo started, by PID, and removes the network
# namespace it created; nothing else is touched. State lives in .data/demo/ and is reset on every run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

seconds_of() { # 60, 60s, 2m -> seconds
  local v=$1
  case "$v" in
    *m) echo $(( ${v%m} * 60 )) ;;
    *s) echo "${v%s}" ;;
    *) echo "$v" ;;
  esac
}

DURATION=0
PORT=""
INTERVAL=5
while (($#)); do
  case "$1" in
    --duration) DURATION=$(seconds_of "${2:?--duration needs a value}"); shift 2 ;;
    --duration=*) DURATION=$(seconds_of "${1#*=}"); shift ;;
    --port) PORT=${2:?--port needs a value}; shift 2 ;;
    --interval) INTERVAL=$(seconds_of "${2:?--interval needs a value}"); shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $DURATION =~ ^[0-9]+$ && $INTERVAL =~ ^[0-9]+$ && $INTERVAL -gt 0 ]] || { echo "demo: bad --duration/--interval" >&2; exit 2; }

# shellcheck source=lib.sh
source "$ROOT/scripts/lib.sh"

say() { printf '\n\033[1;32m== %s\033[0m\n' "$*"; }
note() { printf '\033[0;36m   %s\033[0m\n' "$*"; }

DEMO_DIR="$ROOT/.data/demo"
PREFIX=bpfleet_demo
DB_NAME=bpfleet_demo
BASE_DB="postgres://bpfleet:bpfleet@127.0.0.1:5432"
NETNS="bpfleet-demo-$$"
VETH_HOST="bfdemo$$"
VETH_NS="bfdpeer$$"
VETH_HOST=${VETH_HOST:0:15}
VETH_NS=${VETH_NS:0:15}
PIDS=()
NETNS_CREATED=0
CLEANED=0

stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  ((CLEANED)) && return 0
  CLEANED=1
  trap - INT TERM
  say "stopping everything the demo started"
  local i
  # Reverse start order: traffic first, then agents (they detach their kernel programs), controller last.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  # The kernel agent unpins its programs on SIGTERM; its (then empty) pin directory is the demo's too.
  rmdir "/sys/fs/bpf/bpfleet/agents/demo-kernel" 2>/dev/null || true
  if ((NETNS_CREATED)); then
    ip link del "$VETH_HOST" 2>/dev/null || true
    ip netns del "$NETNS" 2>/dev/null || true
  fi
  note "stopped ${#PIDS[@]} processes; logs in ${DEMO_DIR#"$ROOT"/}/"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_bg() { # start_bg LOGFILE CMD... ; records the PID
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  PIDS+=($!)
}

free_port() {
  local p
  for p in 8080 $(seq 18080 18180); do port_open "$p" || { echo "$p"; return 0; }; done
  return 1
}

json_field() { # json_field 'expression over j' < json
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const v=('"$1"');process.stdout.write(v===undefined||v===null?"":String(v))})'
}

# ---------------------------------------------------------------------------------------------- bootstrap
say "bootstrap (packages, npm deps, bpffs, Postgres/Redis/NATS, BPF corpus and examples)"
bootstrap_all
cd "$ROOT"
npm run -s build
[[ -f tools/agent-sim/dist/cleanup.js ]] || npx tsc -b tools/agent-sim/tsconfig.json

# Fresh demo state: database, NATS prefix, BullMQ keys, data dirs.
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
psql "$BASE_DB/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
psql "$BASE_DB/postgres" -qc "CREATE DATABASE $DB_NAME" >/dev/null
NATS_URL=nats://127.0.0.1:4222 node tools/agent-sim/dist/cleanup.js "$PREFIX"
redis-cli -p 6379 --scan --pattern "$PREFIX:*" | xargs -r redis-cli -p 6379 del >/dev/null

# ---------------------------------------------------------------------------------------------- controller
PORT=${PORT:-$(free_port)}
API="http://127.0.0.1:$PORT"
TOKEN="bpf_demo_$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
say "controller on $API (database $DB_NAME, NATS prefix $PREFIX)"
start_bg "$DEMO_DIR/controller.log" env \
  DATABASE_URL="$BASE_DB/$DB_NAME" REDIS_URL=redis://127.0.0.1:6379 NATS_URL=nats://127.0.0.1:4222 \
  NATS_PREFIX="$PREFIX" QUEUE_PREFIX="$PREFIX" PORT="$PORT" HOST=127.0.0.1 \
  BOOTSTRAP_ADMIN_TOKEN="$TOKEN" BOOTSTRAP_TOKEN_FILE="$DEMO_DIR/controller/admin-token" \
  SIGNING_KEY_FILE="$DEMO_DIR/controller/signing-key.pem" LOG_LEVEL=warn \
  node apps/controller/dist/main.js
CONTROLLER_PID=${PIDS[-1]}
for i in $(seq 1 300); do
  curl -sf "$API/readyz" >/dev/null && break
  kill -0 "$CONTROLLER_PID" 2>/dev/null || { tail -20 "$DEMO_DIR/controller.log" >&2; echo "demo: controller exited" >&2; exit 1; }
  sleep 0.2
done
curl -sf "$API/readyz" >/dev/null || { echo "demo: controller not ready after 60 s" >&2; exit 1; }
curl -sf "$API/api/v1/signing/public-key" | json_field 'j.publicKey' >"$DEMO_DIR/controller.pub"
note "ready; API docs: $API/api/docs (OpenAPI JSON: $API/api/docs-json)"

export BPFLEET_SERVER="$API" BPFLEET_TOKEN="$TOKEN" BPFLEET_CONFIG_DIR="$DEMO_DIR/cli"
bpfleet() { node "$ROOT/apps/cli/bin/bpfleet.js" "$@"; }

# ---------------------------------------------------------------------------------------------- network
# A veth pair into a network namespace; the kernel agent attaches xdp to the host end.
KERNEL_IFACE_ARGS=()
if [[ $(id -u) -eq 0 ]] && command -v ip >/dev/null && ip netns add "$NETNS" 2>/dev/null; then
  NETNS_CREATED=1
  if ip link add "$VETH_HOST" type veth peer name "$VETH_NS" netns "$NETNS" &&
     ip addr add 10.201.0.1/24 dev "$VETH_HOST" && ip link set "$VETH_HOST" up &&
     ip -n "$NETNS" addr add 10.201.0.2/24 dev "$VETH_NS" && ip -n "$NETNS" link set "$VETH_NS" up &&
     ip -n "$NETNS" link set lo up; then
    KERNEL_IFACE_ARGS=(--interface "$VETH_HOST")
    note "veth $VETH_HOST <-> $VETH_NS (netns $NETNS)"
  else
    note "could not set up the veth pair; xdp runs without kernel traffic"
  fi
else
  note "no network namespace (needs root and iproute2); xdp runs without kernel traffic"
fi

# ---------------------------------------------------------------------------------------------- agents
say "three agents"
agent() { # agent ID LABELS RUNTIME [extra args]
  local id=$1 labels=$2 runtime=$3; shift 3
  mkdir -p "$DEMO_DIR/$id"
  start_bg "$DEMO_DIR/$id.log" node apps/agent/bin/bpfleet-agent.js --nats nats://127.0.0.1:4222 --prefix "$PREFIX" \
    --controller-key "$DEMO_DIR/controller.pub" --data-dir "$DEMO_DIR/$id" --id "$id" --labels "$labels" \
    --interval 5s --runtime "$runtime" "$@"
}
agent demo-kernel env=demo,role=canary auto "${KERNEL_IFACE_ARGS[@]}"
agent demo-vm-1 env=demo,role=web vm --app-socket "$DEMO_DIR/demo-vm-1/app.sock"
agent demo-vm-2 env=demo,role=db vm --app-socket "$DEMO_DIR/demo-vm-2/app.sock"
for i in $(seq 1 150); do
  online=$(bpfleet agents --status online --json | json_field 'j.length ?? j.agents?.length ?? 0')
  [[ ${online:-0} -ge 3 ]] && break
  sleep 0.2
done
bpfleet agents

# ---------------------------------------------------------------------------------------------- push
wait_verified() { # wait_verified NAME -> prints final status of version 1
  local status=""
  for i in $(seq 1 300); do
    status=$(bpfleet versions "$1" --json | json_field '(Array.isArray(j) ? j : j.versions).find(v => v.version === 1)?.status')
    [[ $status == signed || $status == rejected || $status == error ]] && break
    sleep 0.2
  done
  echo "$status"
}

say "push the examples (each is verified centrally against the fleet's kernel profiles, then signed)"
PROGRAMS=(opens_per_process syscall_latency packets_by_protocol syscall_latency_log2)
for p in opens_per_process syscall_latency packets_by_protocol broken_null_deref; do
  bpfleet push "examples/build/$p.o" --name "$p" --source "examples/$p.bpf.c"
done
# The same latency histogram as one __u64 per slot: the query API's histogram aggregation reads
# scalar slots (see "packets by protocol" below for the array/struct-valued maps).
bpfleet push tests/bpf/build/rawtp_syscall_latency.o --name syscall_latency_log2 --source tests/bpf/rawtp_syscall_latency.bpf.c
for p in "${PROGRAMS[@]}"; do
  st=$(wait_verified "$p")
  note "$p@1: $st"
  [[ $st == signed ]] || { bpfleet verify-report "$p@1" || true; echo "demo: $p was not signed" >&2; exit 1; }
done

say "the deliberately broken example is refused before any host sees it"
st=$(wait_verified broken_null_deref)
note "broken_null_deref@1: $st"
bpfleet verify-report broken_null_deref@1 || true

# ---------------------------------------------------------------------------------------------- rollouts
say "canary rollout of opens_per_process@1: one host first (30%), then 2 more waves, 5 s apart"
RID=$(bpfleet rollout opens_per_process@1 --selector env=demo --canary 30% --waves 2 --pause 5s --min-healthy 1s --json | json_field 'j.id')
note "rollout $RID"
last=""
for i in $(seq 1 120); do
  view=$(bpfleet rollout status "$RID" --json)
  state=$(json_field 'j.state + " " + j.wave' <<<"$view")
  if [[ $state != "$last" ]]; then bpfleet rollout status "$RID"; echo; last=$state; fi
  [[ ${state%% *} == running || ${state%% *} == paused ]] || break
  sleep 0.5
done

say "syscall_latency, syscall_latency_log2 and packets_by_protocol to every demo agent at once"
for p in syscall_latency syscall_latency_log2 packets_by_protocol; do bpfleet rollout "$p@1" --selector env=demo; done
sleep 3
bpfleet agents

# ---------------------------------------------------------------------------------------------- activity
say "activity: file opens, packets into the namespace, app events to the VM agents"
start_bg "$DEMO_DIR/opens.log" bash -c 'while :; do cat /etc/hostname /etc/os-release >/dev/null; sleep 0.1; done'
if ((${#KERNEL_IFACE_ARGS[@]})); then
  # UDP datagrams and TCP SYNs (answered by RST) from the namespace towards the host end.
  start_bg "$DEMO_DIR/traffic.log" ip netns exec "$NETNS" bash -c \
    'while :; do echo x >/dev/udp/10.201.0.1/9999; (exec 3<>/dev/tcp/10.201.0.1/9) 2>/dev/null; sleep 0.1; done'
fi
start_bg "$DEMO_DIR/app-events.log" node scripts/demo/app-events.mjs "$DEMO_DIR/demo-vm-1/app.sock" "$DEMO_DIR/demo-vm-2/app.sock"

# ---------------------------------------------------------------------------------------------- live
# by_proto values are {packets, bytes} structs, stored whole (value_json); the latest snapshot per host.
packets_by_protocol() {
  psql "$BASE_DB/$DB_NAME" -qX -P pager=off -c "
    SELECT agent_id AS host,
           CASE key #>> '{}' WHEN '6' THEN 'tcp' WHEN '17' THEN 'udp' WHEN '1' THEN 'icmp' WHEN '58' THEN 'icmpv6'
                WHEN '255' THEN 'non-ip' ELSE 'ip proto ' || (key #>> '{}') END AS protocol,
           (value_json ->> 'packets')::bigint AS packets, (value_json ->> 'bytes')::bigint AS bytes
    FROM (SELECT DISTINCT ON (agent_id, key_hex) agent_id, key, value_json FROM metric_samples
          WHERE program = 'packets_by_protocol' AND map = 'by_proto' AND ts > now() - interval '5 minutes'
          ORDER BY agent_id, key_hex, ts DESC, seq DESC) latest
    WHERE (value_json ->> 'packets')::bigint > 0 ORDER BY 1, 3 DESC" || true
}

if ((DURATION)); then say "live results every ${INTERVAL}s for ${DURATION}s"; else say "live results every ${INTERVAL}s (Ctrl-C stops)"; fi
END=$(( $(date +%s) + DURATION ))
while :; do
  sleep "$INTERVAL"
  printf '\n\033[1m--- %s ---\033[0m\n' "$(date +%T)"
  echo "top processes by opens (last 5 min, all hosts):"
  bpfleet query opens_per_process --map opens --agg topk --group-by key:comm -k 5 --since 5m || true
  echo "syscall latency (ns), merged over the fleet:"
  bpfleet query syscall_latency_log2 --map latency_log2 --agg histogram --since 5m || true
  echo "packets by protocol per host (latest snapshot, read from Postgres: the query API aggregates scalar values only):"
  packets_by_protocol
  echo "API docs: $API/api/docs   agents: bpfleet agents   (BPFLEET_SERVER=$API)"
  if ((DURATION)) && (( $(date +%s) >= END )); then break; fi
done
exit 0
