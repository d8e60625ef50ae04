#!/usr/bin/env bash
# `npm run demo`: the whole fleet on this machine. Bootstraps what is missing, starts a controller on its
# own database (bpfleet_demo) and NATS/queue prefix (bpfleet_demo), three agents (one on the kernel runtime
# where the machine allows it, two forced onto the VM runtime), pushes the examples, shows the broken one's
# rejection, rolls opens_per_process out as a canary wave by wave, shows a version that fails on load being
# rolled back, generates activity (file opens, packets on a veth pair into a network namespace, app events
# to the VM agents) and prints live query results. The processes are started by scripts/demo/fleet-up.ts
# (the same launcher the e2e test uses).
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
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $DURATION =~ ^[0-9]+$ && $INTERVAL =~ ^[0-9]+$ && $INTERVAL -gt 0 ]] || { echo "demo: bad --duration/--interval" >&2; exit 2; }

# shellcheck source=lib.sh
source "$ROOT/scripts/lib.sh"

say() { printf '\n\033[1;32m== %s\033[0m\n' "$*"; }
note() { printf '\033[0;36m   %s\033[0m\n' "$*"; }

DEMO_DIR="$ROOT/.data/demo"
FLEET=bpfleet_demo  # database, NATS prefix and BullMQ prefix

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
# Fresh data dir; fleet-up.ts resets the database, the NATS prefix and the BullMQ keys.
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"

# ---------------------------------------------------------------------------------------------- network
# A veth pair into a network namespace; the kernel agent attaches xdp to the host end.
KERNEL_IFACE=""
if [[ $(id -u) -eq 0 ]] && command -v ip >/dev/null && ip netns add "$NETNS" 2>/dev/null; then
  NETNS_CREATED=1
  if ip link add "$VETH_HOST" type veth peer name "$VETH_NS" netns "$NETNS" &&
     ip addr add 10.201.0.1/24 dev "$VETH_HOST" && ip link set "$VETH_HOST" up &&
     ip -n "$NETNS" addr add 10.201.0.2/24 dev "$VETH_NS" && ip -n "$NETNS" link set "$VETH_NS" up &&
     ip -n "$NETNS" link set lo up; then
    KERNEL_IFACE=$VETH_HOST
  fi
fi

# ---------------------------------------------------------------------------------------------- fleet
PORT=${PORT:-$(free_port)}
say "controller on http://127.0.0.1:$PORT (database, NATS prefix and queue prefix $FLEET) and three agents"
if [[ -n $KERNEL_IFACE ]]; then note "veth $VETH_HOST <-> $VETH_NS (netns $NETNS): the kernel agent attaches xdp to $VETH_HOST"
else note "no network namespace (needs root and iproute2): xdp runs in the VM on every agent"; fi
agent_json() { # agent_json ID LABELS-JSON RUNTIME EXTRA-JSON
  printf '{"id":"%s","labels":%s,"runtime":"%s","interval":"5s"%s}' "$1" "$2" "$3" "$4"
}
AGENTS="[$(agent_json demo-kernel '{"env":"demo","role":"canary"}' auto "${KERNEL_IFACE:+,\"interface\":\"$KERNEL_IFACE\"}"),"
AGENTS+="$(agent_json demo-vm-1 '{"env":"demo","role":"web"}' vm ',"appSocket":true'),"
AGENTS+="$(agent_json demo-vm-2 '{"env":"demo","role":"db"}' vm ',"appSocket":true')]"
UP=$(node --conditions=development --import ./scripts/ts-register.mjs scripts/demo/fleet-up.ts \
  "{\"name\":\"$FLEET\",\"dir\":\"$DEMO_DIR\",\"port\":$PORT,\"agents\":$AGENTS}") || { echo "demo: the fleet did not start" >&2; exit 1; }
eval "$UP"   # SERVER TOKEN PUBKEY FLEET_PIDS
# shellcheck disable=SC2206
PIDS+=($FLEET_PIDS)
note "ready; API docs: $SERVER/api/docs (OpenAPI JSON: $SERVER/api/docs-json)"
export BPFLEET_SERVER="$SERVER" BPFLEET_TOKEN="$TOKEN" BPFLEET_CONFIG_DIR="$DEMO_DIR/cli"
bpfleet() { node "$ROOT/apps/cli/bin/bpfleet.js" "$@"; }
bpfleet agents

# ---------------------------------------------------------------------------------------------- push
wait_verified() { # wait_verified NAME VERSION -> prints the final status of that version
  local status="" i
  for i in $(seq 1 300); do
    status=$(bpfleet versions "$1" --json | json_field "(Array.isArray(j) ? j : j.versions).find(v => v.version === $2)?.status")
    [[ $status == signed || $status == rejected || $status == error ]] && break
    sleep 0.2
  done
  echo "$status"
}

say "push the examples (each is verified centrally against the fleet's kernel profiles, then signed)"
PROGRAMS=(opens_per_process syscall_latency packets_by_protocol)
for p in "${PROGRAMS[@]}" broken_null_deref; do
  bpfleet push "examples/build/$p.o" --name "$p" --source "examples/$p.bpf.c"
done
for p in "${PROGRAMS[@]}"; do
  st=$(wait_verified "$p" 1)
  note "$p@1: $st"
  [[ $st == signed ]] || { bpfleet verify-report "$p@1" || true; echo "demo: $p was not signed" >&2; exit 1; }
done

say "the deliberately broken example is refused before any host sees it"
st=$(wait_verified broken_null_deref 1)
note "broken_null_deref@1: $st"
bpfleet verify-report broken_null_deref@1 || true

# ---------------------------------------------------------------------------------------------- rollouts
follow_rollout() { # follow_rollout ID: prints the progress each time it changes, until it ends
  local last="" view state i
  for i in $(seq 1 240); do
    view=$(bpfleet rollout status "$1" --json)
    state=$(json_field 'j.state + " " + j.currentWave + " " + JSON.stringify(j.counts)' <<<"$view")
    if [[ $state != "$last" ]]; then bpfleet rollout status "$1"; echo; last=$state; fi
    [[ ${state%% *} == running || ${state%% *} == paused || ${state%% *} == rolling_back ]] || break
    sleep 0.5
  done
}

say "canary rollout of opens_per_process@1: one host first (30%), then 2 more waves, 5 s apart"
RID=$(bpfleet rollout opens_per_process@1 --selector env=demo --canary 30% --waves 2 --pause 5s --min-healthy 1s --json | json_field 'j.id')
note "rollout $RID"
follow_rollout "$RID"

say "opens_per_process v2 passes verification but no host can create its 512 TiB map: automatic rollback"
bpfleet push examples/build/broken_map_too_big.o --name opens_per_process --source examples/broken_map_too_big.bpf.c
note "opens_per_process@2: $(wait_verified opens_per_process 2)"
# The gate tolerates two failed loads (and the agent errors they cause), so all three hosts try v2 first.
RID=$(bpfleet rollout opens_per_process@2 --selector env=demo --max-failed-loads 2 --max-agent-errors 10 --json | json_field 'j.id')
follow_rollout "$RID"
note "what the agents reported (from their logs):"
for id in demo-kernel demo-vm-1 demo-vm-2; do
  sed -n 's/.*"msg":"\(opens_per_process v2 failed[^"]*\)".*/'"$id"': \1/p' "$DEMO_DIR/agent-$id.log" | tail -1
done

say "syscall_latency and packets_by_protocol to every demo agent at once"
for p in syscall_latency packets_by_protocol; do bpfleet rollout "$p@1" --selector env=demo; done
for i in $(seq 1 60); do
  loaded=$(bpfleet agents --json | json_field 'j.reduce((n, a) => n + a.programs.filter(p => p.state === "loaded").length, 0)')
  [[ ${loaded:-0} -ge 9 ]] && break
  sleep 0.5
done
note "what each program runs on, per agent (the agents' own status reports):"
bpfleet agents --json | node scripts/demo/runtime-table.mjs

# ---------------------------------------------------------------------------------------------- activity
say "activity: file opens, packets into the namespace, app events to the VM agents"
start_bg "$DEMO_DIR/opens.log" bash -c 'while :; do cat /etc/hostname /etc/os-release >/dev/null; sleep 0.1; done'
if [[ -n $KERNEL_IFACE ]]; then
  # UDP datagrams and TCP SYNs (answered by RST) from the namespace towards the host end.
  start_bg "$DEMO_DIR/traffic.log" ip netns exec "$NETNS" bash -c \
    'while :; do echo x >/dev/udp/10.201.0.1/9999; (exec 3<>/dev/tcp/10.201.0.1/9) 2>/dev/null; sleep 0.1; done'
fi
start_bg "$DEMO_DIR/app-events.log" node scripts/demo/app-events.mjs "$DEMO_DIR/agents/demo-vm-1/app.sock" "$DEMO_DIR/agents/demo-vm-2/app.sock"

# ---------------------------------------------------------------------------------------------- live
if ((DURATION)); then say "live results every ${INTERVAL}s for ${DURATION}s"; else say "live results every ${INTERVAL}s (Ctrl-C stops)"; fi
END=$(( $(date +%s) + DURATION ))
# The three queries run side by side (each is a CLI process); their output is printed in order.
live_queries() {
  local q="$DEMO_DIR/queries" pids=()
  mkdir -p "$q"
  bpfleet query opens_per_process --map opens --agg topk --group-by key:comm -k 5 --since 5m >"$q/opens" 2>&1 & pids+=($!)
  bpfleet query syscall_latency --map latency_ns --agg histogram --as counter --since 5m >"$q/latency" 2>&1 & pids+=($!)
  { bpfleet query packets_by_protocol --map by_proto --field packets --agg topk --group-by agent,key -k 1000 --since 5m --json |
      node scripts/demo/protocol-table.mjs; } >"$q/packets" 2>&1 & pids+=($!)
  wait "${pids[@]}" || true
  echo "top processes by opens (last 5 min, all hosts):"; cat "$q/opens"
  echo "syscall latency (ns), last 5 min, merged over the fleet:"; cat "$q/latency"
  echo "packets by IP protocol per host (since the program loaded):"; cat "$q/packets"
}
while :; do
  sleep "$INTERVAL"
  printf '\n\033[1m--- %s ---\033[0m\n' "$(date +%T)"
  live_queries
  echo "API docs: $SERVER/api/docs   agents: bpfleet agents   (BPFLEET_SERVER=$SERVER)"
  if ((DURATION)) && (( $(date +%s) >= END )); then break; fi
done
exit 0
