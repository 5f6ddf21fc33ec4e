#!/usr/bin/env bash
# Runs hostup_exporter against a simulated HostUp account on loopback, so
# /metrics can be seen with no HostUp account. Usage: demo.sh [VPS] [PORT]
# DEMO_ONESHOT=1 prints one scrape and exits (used by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
vps=${1:-25}
port=${2:-9977}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A made-up key: the fake API checks it like the real one would.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token"

./hostup-fake-api -listen 127.0.0.1:0 -vps "$vps" -latency 20ms -token-file "$work/token" > "$work/fake.out" 2> "$work/fake.err" &
pids+=($!)
for _ in $(seq 50); do
  url=$(sed -n 's/^listening on //p' "$work/fake.out" | head -1)
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "${url:-}" ]; then echo "fake API did not start:"; cat "$work/fake.err"; exit 1; fi

./hostup_exporter --hostup.api-url "$url" --hostup.token-file "$work/token" \
  --web.listen-address "127.0.0.1:$port" &
pids+=($!)
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "Simulated HostUp API ($vps VPSes) at $url"
echo "hostup_exporter at http://127.0.0.1:$port/metrics"
echo
curl -fsS "http://127.0.0.1:$port/metrics" > "$work/metrics"
grep -E '^hostup_(up|scrape_success|routed_ipv6_pool_allocated_ratio|vps_network_action_allowed\{.*canAddIpv4.*\} 0)' "$work/metrics" | awk 'NR <= 16'
echo "..."
echo "$(grep -c '^hostup_' "$work/metrics") hostup_* series in all."
if [ "${DEMO_ONESHOT:-}" = 1 ]; then exit 0; fi
echo
echo "Open http://127.0.0.1:$port/ in a browser, or curl it. Ctrl-C stops both."
# Ctrl-C (or a TERM) is how a demo ends: not an error.
trap 'exit 0' INT TERM
wait
