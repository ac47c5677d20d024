#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a PostgreSQL server:
#   1. DATABASE_URL, if it is set;
#   2. else the local server on 127.0.0.1:5432 (user postgres, trust auth);
#   3. else a throwaway cluster created with initdb/pg_ctl from this machine's
#      PostgreSQL binaries, stopped and removed when the command ends.
# initdb refuses to run as root, so as root the throwaway cluster runs as `postgres`.
set -euo pipefail

LOCAL_URL="${FLEET_LOCAL_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PYTHON="${PYTHON:-.venv/bin/python}"

can_connect() {
  "$PYTHON" - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg2
psycopg2.connect(sys.argv[1], connect_timeout=3).close()
PY
}

if [ -n "${DATABASE_URL:-}" ]; then
  echo "with-postgres: using DATABASE_URL" >&2
  exec "$@"
fi

if can_connect "$LOCAL_URL"; then
  echo "with-postgres: using the local server at 127.0.0.1:5432" >&2
  DATABASE_URL="$LOCAL_URL" exec "$@"
fi

bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
  bindir="$(dirname "$(command -v initdb)")"
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: no DATABASE_URL, no server on 127.0.0.1:5432 and no initdb found." >&2
  echo "Install PostgreSQL (apt-get install postgresql) or set DATABASE_URL." >&2
  exit 1
fi

datadir="$(mktemp -d /tmp/fleet-pg.XXXXXX)"
port="$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = "0" ]; then chown postgres "$datadir"; fi

cleanup() {
  as_owner "$bindir/pg_ctl" -D "$datadir" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$datadir"
}
trap cleanup EXIT

echo "with-postgres: starting a throwaway server on port $port ($datadir)" >&2
as_owner "$bindir/initdb" -D "$datadir" -U postgres --auth=trust --no-sync >/dev/null
as_owner "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w \
  -o "-p $port -k $datadir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null

DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" "$@"
