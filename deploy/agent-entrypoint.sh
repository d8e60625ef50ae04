#!/bin/sh
# Starts the agent. Without BPFLEET_CONTROLLER_PUBLIC_KEY(_FILE), fetches the controller's public key from
# $BPFLEET_CONTROLLER_URL/api/v1/signing/public-key (retrying while the controller starts).
set -eu
if [ -z "${BPFLEET_CONTROLLER_PUBLIC_KEY:-}" ] && [ -z "${BPFLEET_CONTROLLER_PUBLIC_KEY_FILE:-}" ]; then
  : "${BPFLEET_CONTROLLER_URL:?set BPFLEET_CONTROLLER_URL or BPFLEET_CONTROLLER_PUBLIC_KEY_FILE}"
  key_file="${BPFLEET_AGENT_DATA_DIR:-/var/lib/bpfleet-agent}/controller-public-key.pem"
  mkdir -p "$(dirname "$key_file")"
  node -e '
    const [url, file] = process.argv.slice(1);
    const get = async (left) => {
      try {
        const r = await fetch(url + "/api/v1/signing/public-key");
        if (!r.ok) throw new Error("HTTP " + r.status);
        require("node:fs").writeFileSync(file, (await r.json()).publicKey);
      } catch (e) {
        if (left === 0) { console.error("cannot fetch the controller public key: " + e.message); process.exit(1); }
        await new Promise((s) => setTimeout(s, 2000));
        return get(left - 1);
      }
    };
    get(60);' "$BPFLEET_CONTROLLER_URL" "$key_file"
  export BPFLEET_CONTROLLER_PUBLIC_KEY_FILE="$key_file"
fi
exec node /app/apps/agent/bin/bpfleet-agent.js "$@"
