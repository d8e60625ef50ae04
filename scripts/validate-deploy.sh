#!/usr/bin/env bash
# Validates the deployment files: the root docker-compose.yml (`docker compose config -q`, or Debian's
# docker-compose; no Docker engine needed) and the Kubernetes manifests under deploy/k8s against the
# schemas of the `kubernetes-models` npm package (offline). Exits non-zero when anything is invalid.
#   bash scripts/validate-deploy.sh                 # compose file + deploy/k8s
#   bash scripts/validate-deploy.sh FILE_OR_DIR...  # only these manifests (compose: COMPOSE_FILE=...)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
status=0

compose_file="${COMPOSE_FILE:-$ROOT/docker-compose.yml}"
if [[ $# -eq 0 || -n "${COMPOSE_FILE:-}" ]]; then
  if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
  elif command -v docker-compose >/dev/null; then
    compose=(docker-compose)
  else
    compose=()
  fi
  if [[ ${#compose[@]} -eq 0 ]]; then
    echo "compose: skipped, neither 'docker compose' nor docker-compose is installed (apt-get install docker-compose)" >&2
  elif "${compose[@]}" -f "$compose_file" config -q; then
    echo "compose: $compose_file valid"
  else
    echo "compose: $compose_file invalid" >&2
    status=1
  fi
fi

if [[ $# -eq 0 ]]; then set -- "$ROOT/deploy/k8s"; fi
node "$ROOT/deploy/validate-k8s.mjs" "$@" || status=1
exit $status
