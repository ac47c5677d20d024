#!/usr/bin/env bash
# `make run`: migrate, seed and start the whole system on the embedded default
# (SQLite under var/, emulated integrations). Ctrl-C stops every process.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export FLEET_ENV="${FLEET_ENV:-development}"

$BIN/python manage.py migrate --no-input
$BIN/python manage.py collectstatic --no-input -v 0
$BIN/python manage.py seed

pids=()
stop() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

$BIN/gunicorn fleetmanager.wsgi \
  --bind "$HOST:$PORT" --workers 2 --threads 4 --timeout 60 \
  --access-logfile - --access-logformat '%(h)s "%(r)s" %(s)s %(b)s %(M)sms' &
pids+=($!)

cat <<MSG

  Fleet manager running on http://$HOST:$PORT
    API:     http://$HOST:$PORT/api/kafkas_mgmt/v1
    Swagger: http://$HOST:$PORT/api/kafkas_mgmt/v1/docs
    Admin:   http://$HOST:$PORT/admin/  (user admin, password in var/admin-password)
  Mint a token:  .venv/bin/python manage.py token --org 13640203 --user alice
  Stop with Ctrl-C.

MSG

# Stop everything as soon as any process exits.
wait -n
