#!/usr/bin/env bash
# `make run`: migrate, create the demo user, start the local FinerWorks sandbox (unless real
# keys are configured), load its orders and serve the dashboard. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
SANDBOX_PORT="${SANDBOX_PORT:-8765}"

pids=()
cleanup() { for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

$PY manage.py migrate --noinput
$PY manage.py demo_setup

if [ -z "${FINERWORKS_WEB_API_KEY:-}" ]; then
  export FINERWORKS_BASE_URL="http://127.0.0.1:${SANDBOX_PORT}"
  export FINERWORKS_WEB_API_KEY=sandbox-web-key FINERWORKS_APP_KEY=sandbox-app-key
  $PY manage.py finerworks_sandbox --port "$SANDBOX_PORT" >/dev/null &
  pids+=($!)
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/${SANDBOX_PORT}") 2>/dev/null && break
    sleep 0.2
  done
  echo "Local FinerWorks sandbox on $FINERWORKS_BASE_URL (no real orders are touched)."
  $PY manage.py sync_pending_orders || true
  $PY manage.py finerworks_check --verify || true
else
  echo "Using FinerWorks at ${FINERWORKS_BASE_URL:-https://v2.api.finerworks.com}."
fi

# Deletions run in the background worker, as in production.
$PY manage.py db_worker >/dev/null 2>&1 &
pids+=($!)

echo "Dashboard: http://127.0.0.1:8000/orders/  (log in as admin / admin)"
$PY manage.py runserver 127.0.0.1:8000
