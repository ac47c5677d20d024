#!/usr/bin/env bash
# `make run`: migrate, seed and start the whole system on the embedded default:
# SQLite under var/, emulated integrations, one standalone cluster driven by the
# simulated agent. Ctrl-C stops every process.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
EMULATOR_PORT="${EMULATOR_PORT:-8001}"
export FLEET_ENV="${FLEET_ENV:-development}"
# Every emulated integration lives on EMULATOR_PORT: SSO, and OCM/AMS with their token realm.
export FLEET_SSO_BASE_URL="${FLEET_SSO_BASE_URL:-http://127.0.0.1:$EMULATOR_PORT/sso}"
export FLEET_OCM_BASE_URL="${FLEET_OCM_BASE_URL:-http://127.0.0.1:$EMULATOR_PORT/ocm}"
export FLEET_OCM_TOKEN_URL="${FLEET_OCM_TOKEN_URL:-http://127.0.0.1:$EMULATOR_PORT/sso/realms/redhat-external/protocol/openid-connect/token}"
# Service accounts created through the API call it with tokens of the SSO emulator's realm.
export FLEET_JWKS_URLS="${FLEET_JWKS_URLS:-http://127.0.0.1:$EMULATOR_PORT/sso/realms/rhoas/protocol/openid-connect/certs}"
# The Kafkas' own metrics: the simulated agents serve them, a local Prometheus (when installed)
# scrapes them and stands in for Observatorium.
PROMETHEUS_PORT="${PROMETHEUS_PORT:-$((EMULATOR_PORT + 1))}"
AGENT_METRICS_PORT="${AGENT_METRICS_PORT:-$((EMULATOR_PORT + 2))}"
# Metrics of the API and the reconciler processes are merged into one /metrics.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR" var/log

# Every long-running child gets its own session (setsid), so a Ctrl-C or a SIGTERM sent to this
# script's process group reaches only this script, which then sends each child exactly one SIGTERM.
# A signal that also reaches qcluster's sentinel and workers can leave the cluster deadlocked on a
# shared lock (django-q2 #346); whatever has not exited after STOP_TIMEOUT seconds is SIGKILLed
# with its whole group. Reconcilers are idempotent and leases expire, so a kill loses no work.
STOP_TIMEOUT="${STOP_TIMEOUT:-20}"
pids=()
stop() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 $((STOP_TIMEOUT * 5))); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 1 ] || break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

wait_for_port() {  # host port what
  for _ in $(seq 1 100); do
    if $BIN/python -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.5)" "$1" "$2" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "run.sh: $3 did not start on $1:$2" >&2
  exit 1
}

$BIN/python manage.py migrate --no-input
$BIN/python manage.py collectstatic --no-input -v 0

# Emulated integrations (SSO, OCM, AMS) for the reconcilers; logs in var/log/emulators.log.
setsid $BIN/python manage.py emulators --host 127.0.0.1 --port "$EMULATOR_PORT" >var/log/emulators.log 2>&1 &
pids+=($!)
wait_for_port 127.0.0.1 "$EMULATOR_PORT" "the emulators"

$BIN/python manage.py seed

if command -v prometheus >/dev/null 2>&1; then
  mkdir -p var/kafka-metrics
  cat >var/kafka-metrics/prometheus.yml <<YAML
global:
  scrape_interval: 5s
scrape_configs:
  - job_name: simulated-data-plane
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:$AGENT_METRICS_PORT"]
YAML
  setsid prometheus --config.file=var/kafka-metrics/prometheus.yml --storage.tsdb.path=var/kafka-metrics/data \
    --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --log.level=warn \
    >var/log/prometheus.log 2>&1 &
  pids+=($!)
  export FLEET_OBSERVATORIUM_URL="${FLEET_OBSERVATORIUM_URL:-http://127.0.0.1:$PROMETHEUS_PORT}"
  metrics_line="Kafka metrics: Prometheus on http://127.0.0.1:$PROMETHEUS_PORT scrapes the simulated agents"
else
  metrics_line="Kafka metrics: no prometheus binary (apt-get install prometheus), so /kafkas/{id}/metrics/* answer empty lists"
fi

setsid $BIN/gunicorn -c python:fleetmanager.gunicorn fleetmanager.wsgi \
  --bind "$HOST:$PORT" \
  --access-logfile var/log/access.log --access-logformat '%(h)s "%(r)s" %(s)s %(b)s %(M)sms' &
pids+=($!)

# The reconcilers: kicked by API writes, resynced every minute.
setsid $BIN/python manage.py qcluster &
pids+=($!)

wait_for_port "$HOST" "$PORT" "the API"
# One simulated agent per cluster with agent credentials (the standalone one, and any OSD cluster
# auto scaling creates through the OCM emulator).
setsid $BIN/python manage.py fleetshard_agent --all-clusters --api-url "http://$HOST:$PORT" \
  --poll-interval 1 --resync-interval 10 --metrics-port "$AGENT_METRICS_PORT" &
pids+=($!)

cat <<MSG

  Fleet manager running on http://$HOST:$PORT
    API:     http://$HOST:$PORT/api/kafkas_mgmt/v1
    Swagger: http://$HOST:$PORT/api/kafkas_mgmt/v1/docs
    Admin:   http://$HOST:$PORT/admin/  (user admin, password in var/admin-password)
    Logs:    var/log/access.log (HTTP), var/log/emulators.log (SSO, OCM, AMS emulators)
    Metrics: http://$HOST:$PORT/metrics   Health: /healthz (live), /readyz (ready)
    Data plane: var/dataplane/<cluster>/<namespace>/{managedkafka,kafka}.yaml (what the agents rendered)
    $metrics_line
  Mint a token:  .venv/bin/python manage.py token --org 13640203 --user alice
  Stop with Ctrl-C.

MSG

# Stop everything as soon as any process exits.
wait -n
