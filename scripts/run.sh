#!/usr/bin/env bash
# `make run`: write the demo .env if there is none, migrate, create the demo user, start the
# local FinerWorks sandbox (unless real keys are configured), load its orders, and serve the
# dashboard with a background worker. Stops with a clear line if any of them dies.
#   make run SANDBOX_ORDERS=5000 SANDBOX_LATENCY_MS=300 SANDBOX_PORT=8765
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"  # whatever an older .env says: this is the demo
SANDBOX_PORT="${SANDBOX_PORT:-8765}"
SANDBOX_ORDERS="${SANDBOX_ORDERS:-120}"
SANDBOX_LATENCY_MS="${SANDBOX_LATENCY_MS:-0}"
LOGS=.run
mkdir -p "$LOGS"

target="$($PY -m fwadmin.demo_env "$SANDBOX_PORT")"

names=() pids=()
cleanup() { for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 0' INT TERM
start() {  # start NAME COMMAND...: in the background, its output in .run/NAME.log
  local name="$1"; shift
  "$@" >"$LOGS/$name.log" 2>&1 &
  names+=("$name") pids+=($!)
}

$PY manage.py migrate --noinput -v 0
$PY manage.py demo_setup

if [ "$target" = sandbox ]; then
  export FINERWORKS_BASE_URL="http://127.0.0.1:${SANDBOX_PORT}"
  export FINERWORKS_WEB_API_KEY=sandbox-web-key FINERWORKS_APP_KEY=sandbox-app-key
  start sandbox $PY manage.py finerworks_sandbox --port "$SANDBOX_PORT" \
    --orders "$SANDBOX_ORDERS" --latency-ms "$SANDBOX_LATENCY_MS"
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/${SANDBOX_PORT}") 2>/dev/null && break
    kill -0 "${pids[0]}" 2>/dev/null || { cat "$LOGS/sandbox.log"; exit 1; }
    sleep 0.2
  done
  echo "Local FinerWorks sandbox on $FINERWORKS_BASE_URL: ${SANDBOX_ORDERS} orders per account," \
    "${SANDBOX_LATENCY_MS} ms latency (no real orders are touched)."
  # Their summaries only: each FinerWorks call is in the audit table (and the dashboard).
  FWADMIN_LOG_LEVEL=WARNING $PY manage.py sync_pending_orders || true
  FWADMIN_LOG_LEVEL=WARNING $PY manage.py finerworks_check --verify || true
else
  echo "Using FinerWorks at ${target} (keys from the environment or .env)."
fi

# Deletions run in the background worker, as in production.
start worker $PY manage.py db_worker
echo "Dashboard: http://127.0.0.1:8000/orders/  (log in as admin / admin). Ctrl-C stops."
echo "The sandbox's and the worker's output: $LOGS/sandbox.log, $LOGS/worker.log."
$PY manage.py runserver 127.0.0.1:8000 &  # its request lines stay on this console
names+=(web) pids+=($!)

# Serve until one of them stops: the dashboard must not run on without its sandbox or worker.
alive() { for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || return 1; done; }
while alive; do sleep 1; done
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "make run: the ${names[$i]} stopped; stopping everything." >&2
    [ -f "$LOGS/${names[$i]}.log" ] && tail -n 5 "$LOGS/${names[$i]}.log" >&2
  fi
done
exit 1
