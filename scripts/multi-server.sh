#!/usr/bin/env bash
# Two `pillar serve` over one PostgreSQL database, behind HAProxy (Debian package, installed
# when missing), as a deployment of several machines runs them: each server with its own data
# directory, one shared audit key file, document contents in the database, the balancer as
# trusted proxy. scripts/multi-server-check.py then checks through the balancer and against
# each server: a session used across both, an upload on one downloaded and found by search on
# the other, one audit chain after concurrent activity on both, one server killed in the middle
# of uploads while the other keeps serving (nothing half-stored), sign-in throttling counted
# once across both.
#
#   scripts/multi-server.sh [PILLAR_BINARY]
#
# PostgreSQL: the server of PILLAR_TEST_PG_URL when set (a database of its own is made in it
# and dropped at the end), else a throwaway cluster (scripts/postgres.sh).
# PILLAR_MULTI_KEEP=1 leaves the servers and balancer running (for bench/multi-server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/postgres.sh

pillar=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/pillar}")
[ -x "$pillar" ] || { echo "multi-server: no pillar binary at $pillar" >&2; exit 2; }

if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  log "installing HAProxy from Debian packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null; }
fi
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
if ! command -v psql >/dev/null 2>&1; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-client >/dev/null
fi

work=$(mktemp -d /tmp/pillar-multi.XXXXXX)
pids=()
db_name=
cleanup() {
  for p in "${pids[@]}" $(cat "$work"/*/pid 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  [ -f "$work/haproxy.pid" ] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true
  if [ -n "$db_name" ]; then
    psql -q "$PILLAR_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  stop_postgres
  rm -rf "$work"
}
[ -n "${PILLAR_MULTI_KEEP:-}" ] || trap cleanup EXIT

if [ -z "${PILLAR_TEST_PG_URL:-}" ]; then
  start_postgres
fi
db_name="pillar_multi_$$"
psql -q "$PILLAR_TEST_PG_URL" -c "CREATE DATABASE $db_name" >/dev/null
db_url="${PILLAR_TEST_PG_URL%/*}/$db_name"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# What every server of the deployment shares: the database, the audit key file, and the
# balancer as the one trusted proxy.
export PILLAR_DB=$db_url PILLAR_AUDIT_KEY_FILE=$work/secrets/audit.key
export PILLAR_TRUSTED_PROXIES=127.0.0.1 PILLAR_LOG=${PILLAR_LOG:-warn}
unset PILLAR_CONFIG PILLAR_BLOBS PILLAR_DEMO
"$pillar" audit new-key "$PILLAR_AUDIT_KEY_FILE" >/dev/null
mkdir -p "$work/a" "$work/b"
log "seeding $db_url (demo coalition; demo passwords)"
"$pillar" --data-dir "$work/a" db seed --demo-data >/dev/null
for p in us-secretariat kr-pm jp-observer; do
  echo "pillar-demo-multi" | "$pillar" --data-dir "$work/a" user set-password "$p" >/dev/null
done

start_server() { # name port
  "$pillar" --data-dir "$work/$1" --listen "127.0.0.1:$2" serve >>"$work/$1/serve.log" 2>&1 &
  local pid=$!
  echo "$pid" > "$work/$1/pid"
  pids+=("$pid")
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/$1/serve.log" >&2; echo "multi-server: server $1 did not start" >&2; exit 1; }
    sleep 0.1
  done
  echo "multi-server: server $1 did not answer" >&2
  exit 1
}
port_a=$(free_port)
port_b=$(free_port)
port_lb=$(free_port)
start_server a "$port_a"
start_server b "$port_b"

# The balancer: round robin, health checks on /healthz, a failed idempotent request retried on
# the other server, and which server answered in a response header (for the checks).
cat > "$work/haproxy.cfg" <<EOF
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
    retry-on all-retryable-errors
    option forwardfor
frontend pillar
    bind 127.0.0.1:$port_lb
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 300ms fall 2 rise 2
    http-response set-header X-Pillar-Server %s
    server a 127.0.0.1:$port_a check
    server b 127.0.0.1:$port_b check
EOF
"$haproxy" -c -q -f "$work/haproxy.cfg"
"$haproxy" -D -f "$work/haproxy.cfg" -p "$work/haproxy.pid" >/dev/null 2>&1
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port_lb/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

if [ -n "${PILLAR_MULTI_KEEP:-}" ]; then
  printf 'lb=%s a=%s b=%s work=%s db=%s\n' "$port_lb" "$port_a" "$port_b" "$work" "$db_url"
  exit 0
fi
log "checking two servers over $db_url through HAProxy on 127.0.0.1:$port_lb"
python3 scripts/multi-server-check.py --pillar "$pillar" --work "$work" --db "$db_url" \
  --lb "http://127.0.0.1:$port_lb" --a "http://127.0.0.1:$port_a" --b "http://127.0.0.1:$port_b"
