#!/usr/bin/env bash
# Shared bootstrap steps for `npm test`, `npm run demo` and `.ci/run`. Every step is idempotent:
# it installs or starts a thing only when it is missing, and reuses services already listening.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${BPFLEET_DATA_DIR:-$ROOT/.data}"
APT_PACKAGES=(clang llvm libbpf-dev bpftool postgresql redis-server nats-server iproute2)
# clang-19 can target -mcpu=v4; the corpus builds v4 variants when it is there.
APT_OPTIONAL=(clang-19)

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2 i
  for i in $(seq 1 100); do port_open "$port" && return 0; sleep 0.1; done
  log "$name did not open port $port"; return 1
}

ensure_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  local optional=()
  for p in "${APT_OPTIONAL[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || optional+=("$p")
  done
  if ((${#missing[@]} + ${#optional[@]})); then
    log "installing Debian packages: ${missing[*]} ${optional[*]}"
    as_root apt-get update -qq
    if ((${#missing[@]})); then
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if ((${#optional[@]})); then
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${optional[@]}" >/dev/null ||
        log "optional packages not installed: ${optional[*]} (v4 corpus variants will be skipped)"
    fi
  fi
}

ensure_npm_deps() {
  cd "$ROOT"
  if [[ ! -d node_modules/.bin || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "installing npm dependencies"
    if [[ -n "${CI:-}" ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  fi
}

ensure_bpffs() {
  if ! mountpoint -q /sys/fs/bpf 2>/dev/null; then
    as_root mount -t bpf bpf /sys/fs/bpf 2>/dev/null || log "could not mount bpffs at /sys/fs/bpf (kernel tests that pin will skip)"
  fi
}

ensure_postgres() {
  if ! port_open 5432; then
    log "starting PostgreSQL"
    local ver
    ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
    as_root pg_ctlcluster "${ver:-15}" main start
    wait_port 5432 postgres
  fi
  # A role for bpfleet; tests create their own databases with it.
  if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1; then
    su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='bpfleet'\"" | grep -q 1 ||
      su postgres -c "psql -qc \"CREATE ROLE bpfleet LOGIN SUPERUSER PASSWORD 'bpfleet'\""
    su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='bpfleet'\"" | grep -q 1 ||
      su postgres -c "psql -qc \"CREATE DATABASE bpfleet OWNER bpfleet\""
  fi
}

ensure_redis() {
  if ! port_open 6379; then
    log "starting Redis (data in $DATA_DIR/redis)"
    mkdir -p "$DATA_DIR/redis"
    setsid redis-server --port 6379 --bind 127.0.0.1 --dir "$DATA_DIR/redis" --daemonize yes \
      --logfile "$DATA_DIR/redis/redis.log" --pidfile "$DATA_DIR/redis/redis.pid" >/dev/null
    wait_port 6379 redis
  fi
}

ensure_nats() {
  if ! port_open 4222; then
    log "starting nats-server -js (data in $DATA_DIR/nats)"
    mkdir -p "$DATA_DIR/nats"
    setsid nohup nats-server -js -a 127.0.0.1 -p 4222 -sd "$DATA_DIR/nats" >"$DATA_DIR/nats/nats.log" 2>&1 &
    echo $! >"$DATA_DIR/nats/nats.pid"
    wait_port 4222 nats
  fi
}

ensure_services() {
  ensure_postgres
  ensure_redis
  ensure_nats
}

ensure_bpf_corpus() {
  cd "$ROOT"
  bash tests/bpf/build.sh
}

bootstrap_all() {
  ensure_apt_packages
  ensure_npm_deps
  ensure_bpffs
  ensure_services
  ensure_bpf_corpus
}
