#!/usr/bin/env bash
# Installs the system binaries the test suite needs when they are missing (Debian, as root),
# or stops with the one command to run. Tests start their own throwaway servers from these.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The ledger tests start their own PostgreSQL clusters with the server's binaries (initdb, postgres).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
# The browser tests drive Debian's Chromium (never a downloaded one) at this path.
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The deployment test validates docker-compose.yml and deploy/haproxy.cfg with the real tools, no engine needed.
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
# The monitoring profile's Prometheus configuration and the dashboard's queries go through promtool (Debian's prometheus package).
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need: ${missing[*]}. Install them first:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing ${missing[*]} for the tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
